// Opening an issued service certificate's PDF or verification page, from
// the register (S5) and from a volunteer's archive (S1).
import type { CertificateService, Client } from "@yima/api";
import { toastError } from "../../feedback";

/**
 * openCertificate opens a certificate's PDF or its public verification page
 * in a new tab. The tab is opened first: browsers block windows opened after
 * an await.
 */
export async function openCertificate(
  certs: Client<typeof CertificateService>,
  certificateId: string,
  which: "pdfUrl" | "verifyUrl",
): Promise<void> {
  const w = window.open("", "_blank");
  try {
    const links = await certs.getCertificateLinks({ certificateId });
    if (w) w.location.href = links[which];
    else window.location.href = links[which];
  } catch (err) {
    w?.close();
    toastError(err);
  }
}
