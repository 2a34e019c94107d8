// The org portal's authorization (O1, O11): 王建国, leader of 徐家汇街道志愿者
// 服务中心, delegates an admin by ID number and name through the pages,
// sees the admin among the org's authorized contacts, and finds the grant
// in the authorization log; the admin then signs in and holds the account.
// Needs `yima dev --demo`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PHONE, SKIP, idNumber, launch, openPage, randomBirth, rpc, shot, signInWithToken, step } from "./helpers.mjs";

const LEADER = { idNumber: "310104197211304510", name: "王建国" };

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

// leader signs 王建国 in and returns a token of his org leader account and
// its org.
async function leader() {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", LEADER);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === "ACCOUNT_KIND_ORG_LEADER");
  assert.ok(acct, "王建国 leads an org");
  const switched = acct.active
    ? token
    : (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token;
  return { token: switched, orgId: acct.orgId };
}

test("组织端：负责人授权管理员并在授权记录中看到", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("org-admins", page, async () => {
    const { token, orgId } = await leader();
    // Someone who has never signed in: the grant records them.
    const idNo = idNumber("310104", randomBirth());
    const name = "周晓明";

    await signInWithToken(page, "/org/", token);
    await page.getByTestId("entry-org-admins").click();
    await page.locator(".van-nav-bar__title", { hasText: "授权管理" }).waitFor();
    await page.getByTestId("org-user-row").first().waitFor();

    // The form catches a mistyped number before the server does.
    await page.getByTestId("grant-admin").click();
    const popup = page.getByTestId("grant-popup");
    await popup.waitFor();
    const idInput = page.getByTestId("grant-id-number").locator("input");
    await idInput.fill(idNo.slice(0, 17) + (idNo[17] === "0" ? "1" : "0"));
    await page.getByTestId("grant-id-number").locator(".van-field__error-message").waitFor();
    await idInput.fill(idNo);
    await page.getByTestId("grant-name").locator("input").fill(name);
    await page.getByTestId("grant-phone").locator("input").fill("13812345678");
    await page.getByTestId("grant-duties").locator("textarea").fill("负责项目发布与考勤");
    await page.getByTestId("period-6").click();
    await shot(page, "org-admins-grant");
    await page.getByTestId("grant-submit").click();

    // The admin is listed, masked, with duties and validity.
    // Masked: the name's surname and the number's last four show.
    const tail = idNo.slice(-4);
    const row = page.getByTestId("org-user-row").filter({ hasText: "周**" }).filter({ hasText: tail }).first();
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /管理员/);
    assert.match(text, /有效/);
    assert.match(text, /138\*\*\*\*5678/);
    assert.match(text, /负责项目发布与考勤/);
    assert.ok(!text.includes(idNo), "the ID number is shown masked");
    await shot(page, "org-admins-list");

    // The authorization log has the grant, by 王建国.
    await page.locator(".van-tab", { hasText: "授权记录" }).click();
    const entry = page.getByTestId("auth-log-row").filter({ hasText: "周**" }).filter({ hasText: tail }).first();
    await entry.waitFor();
    const logText = await entry.innerText();
    assert.match(logText, /授权/);
    assert.match(logText, /操作人 王\*\*/);
    assert.ok(!logText.includes(idNo), "the log shows the ID number masked");
    await shot(page, "org-admins-log");
    assert.deepEqual(problems, []);

    // The admin signs in for the first time and holds the account.
    const admin = await rpc("yima.identity.v1.IdentityService/DevLogin", { idNumber: idNo, name });
    const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, admin.token);
    assert.ok(
      accounts.some((a) => a.kind === "ACCOUNT_KIND_ORG_ADMIN" && a.orgId === orgId),
      "the admin account is there at the first sign-in",
    );
  });
  await context.close();
});
