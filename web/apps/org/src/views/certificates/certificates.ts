// Shared bits of the certificate pages (O10): the client, status labels and
// opening links in a new tab.
import { CertificateApplicationStatus, CertificateService, createClient, type Client } from "@yima/api";
import { useSession } from "@yima/shared";

/** useCertificates makes the certificate client of the signed-in session. */
export function useCertificates(): Client<typeof CertificateService> {
  return createClient(CertificateService, useSession().api.transport);
}

/** STATUS_LABEL names an application's status, with the Vant tag type it shows in. */
export const STATUS_LABEL: Readonly<
  Record<CertificateApplicationStatus, { text: string; type: "warning" | "success" | "danger" | "default" }>
> = {
  [CertificateApplicationStatus.UNSPECIFIED]: { text: "未知", type: "default" },
  [CertificateApplicationStatus.PENDING]: { text: "待审核", type: "warning" },
  [CertificateApplicationStatus.ISSUED]: { text: "已出具", type: "success" },
  [CertificateApplicationStatus.REJECTED]: { text: "已驳回", type: "danger" },
};

/** hours renders seconds as hours with at most two decimals, as the certificate prints them. */
export function hours(seconds: bigint | number): string {
  const h = Math.round((Number(seconds) * 100) / 3600) / 100;
  return `${h} 小时`;
}

/**
 * openInNewTab opens the URL link() resolves to in a new tab. The tab is
 * opened first, before any await, because browsers block windows opened
 * later; a failure closes it and is rethrown.
 */
export async function openInNewTab(link: () => Promise<string>): Promise<void> {
  const w = window.open("", "_blank");
  try {
    const url = await link();
    if (w) w.location.href = url;
    else window.location.href = url;
  } catch (err) {
    w?.close();
    throw err;
  }
}
