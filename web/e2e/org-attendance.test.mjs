// The org portal's attendance desk (O6): 王建国 opens the running project's
// attendance by its id, sees its scan log, prints its code (a new tab with
// the printable page, under its own CSP) and registers and revokes a
// scanner device. Needs `yima dev --demo` and YIMA_E2E_PROJECT_ID (TestE2E
// passes the id of 徐家汇街道轨交站点文明引导).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PHONE, SKIP, launch, openPage, rpc, shot, signInWithToken, step } from "./helpers.mjs";

const PROJECT_ID = process.env.YIMA_E2E_PROJECT_ID ?? "";
const PROJECT_TITLE = "徐家汇街道轨交站点文明引导";
const LEADER = { idNumber: "310104197211304510", name: "王建国" };

const skip = SKIP || (PROJECT_ID ? false : "YIMA_E2E_PROJECT_ID is not set (TestE2E sets it)");

let browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function leaderToken() {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", LEADER);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === "ACCOUNT_KIND_ORG_LEADER");
  assert.ok(acct, "王建国 leads an org");
  if (acct.active) return token;
  return (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token;
}

test("组织端：考勤记录、打印项目码、扫码设备", { skip }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("org-attendance", page, async () => {
    const token = await leaderToken();
    // A refused scan is always logged: the scan log has a line to show.
    const scanId = `e2e-attendance-${Date.now()}`;
    await rpc("yima.checkin.v1.CheckinService/Scan", { scanId, projectId: PROJECT_ID, payload: "YV1.NOTACODE" }, token);

    await signInWithToken(page, "/org/", token);
    await page.getByTestId("attendance-project-id").locator("input").fill(PROJECT_ID);
    await page.getByTestId("open-attendance").click();
    await page.locator(".van-nav-bar__title", { hasText: PROJECT_TITLE }).waitFor();
    await page.locator(".van-tab", { hasText: "扫码记录" }).click();
    await page.getByTestId("scan-row").first().waitFor();
    assert.match(await page.getByTestId("scan-row").first().innerText(), /二维码无效/);
    await shot(page, "org-attendance-scans");

    // 打印项目码 opens the printable page in a new tab, with a ticket.
    const [printed] = await Promise.all([context.waitForEvent("page"), page.getByTestId("print-code").click()]);
    const printProblems = [];
    printed.on("console", (msg) => {
      if (msg.type() === "error" || /Content Security Policy|Refused to/.test(msg.text()))
        printProblems.push(msg.text());
    });
    await printed.waitForURL(/\/codes\/project\/[0-9a-f-]+\/print\?ticket=/);
    await printed.locator("h1", { hasText: PROJECT_TITLE }).waitFor();
    assert.match(await printed.locator(".cta").innerText(), /扫码签到/);
    assert.equal(await printed.locator(".qr svg").count(), 1);
    await shot(printed, "org-project-code-print");
    assert.deepEqual(printProblems, []);
    await printed.close();

    // Devices: register one, then revoke it.
    await page.goBack();
    await page.getByTestId("open-devices").click();
    const name = `E2E扫码枪${Date.now() % 100000}`;
    await page.getByTestId("add-device").click();
    const dialog = page.locator(".van-dialog:visible");
    await dialog.locator("input").fill(name);
    await dialog.locator(".van-dialog__confirm").click();
    const row = page.getByTestId("device-row").filter({ hasText: name });
    await row.waitFor();
    await row.locator("button", { hasText: "停用" }).click();
    await dialog.locator(".van-dialog__confirm", { hasText: "确认" }).click();
    await row.locator(".van-tag", { hasText: "已停用" }).waitFor();
    assert.deepEqual(problems, []);
  });
  await context.close();
});
