// The electronic 上海市志愿者证 in the H5 (V1): a fresh volunteer opens
// 我的 → 电子志愿者证, sees the card with their number, the live volunteer
// code and the e-license sync, and downloads the signed card as PNG and
// PDF. Needs `yima dev`.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { PHONE, SKIP, idNumber, launch, openPage, randomBirth, rpc, shot, signInWithToken, step } from "./helpers.mjs";

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * download clicks testId and returns what the browser saved and, fetched
 * again from the same ticketed link, the server's answer.
 */
async function download(page, testId) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  return {
    bytes: await readFile(await file.path()),
    name: file.suggestedFilename(),
    res: await fetch(file.url()),
  };
}

test("h5 电子志愿者证：查看证件、动态码、同步状态，下载图片和 PDF", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("h5-card", page, async () => {
    // A fresh citizen registers; the same token acts as the volunteer.
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", {
      idNumber: idNumber("310106", randomBirth()),
      name: "陆晓岚",
    });
    const { volunteer } = await rpc(
      "yima.volunteer.v1.VolunteerService/Register",
      { politicalStatus: "群众", serviceCategories: ["社区服务"] },
      token,
    );

    await signInWithToken(page, "/h5/", token);
    await page.getByTestId("open-my-card").click();
    await page.waitForURL(/\/h5\/me\/card$/);
    const card = page.getByTestId("volunteer-card");
    await card.waitFor();
    assert.equal((await page.getByTestId("card-number").innerText()).trim(), volunteer.volunteerNo);
    await card.getByText("陆晓岚").waitFor();
    await card.getByText("上海市志愿者协会").waitFor();
    // The live code, drawn from the volunteer's current code payload.
    const qr = page.getByTestId("card-qr");
    await qr.waitFor();
    assert.ok((await qr.getAttribute("data-payload"))?.length > 20, "the QR holds a code payload");
    const sync = (await page.getByTestId("card-sync-state").innerText()).trim();
    assert.ok(["已同步至电子证照库", "同步中", "同步失败，将自动重试"].includes(sync), `sync state ${sync}`);
    await shot(page, "h5-card");

    const png = await download(page, "download-card-png");
    assert.equal(png.res.status, 200);
    assert.equal(png.res.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await png.res.arrayBuffer()), png.bytes);
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.name.endsWith(`${volunteer.volunteerNo}.png`), png.name);

    const pdf = await download(page, "download-card-pdf");
    assert.equal(pdf.res.status, 200);
    assert.equal(pdf.res.headers.get("content-type"), "application/pdf");
    assert.equal(pdf.bytes.subarray(0, 5).toString(), "%PDF-");
    assert.ok(pdf.name.endsWith(`${volunteer.volunteerNo}.pdf`), pdf.name);

    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
