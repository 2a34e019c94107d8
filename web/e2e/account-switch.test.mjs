// Account switching, in the console's header menu and in the H5's action
// sheet. The person with several accounts is the demo citizen 陈思远 (yima
// dev --demo); the console side starts from admin as the brief asks.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, DESKTOP, MULTI, PHONE, SKIP, launch, openPage, rpc, shot, signInWithToken, step } from "./helpers.mjs";

const KIND_LABEL = {
  ACCOUNT_KIND_CITIZEN: "市民",
  ACCOUNT_KIND_VOLUNTEER: "志愿者",
  ACCOUNT_KIND_ORG_LEADER: "组织负责人",
  ACCOUNT_KIND_ORG_ADMIN: "组织管理员",
  ACCOUNT_KIND_STAFF: "后台人员",
};

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("admin: 账号切换菜单列出账号并可切换", { skip: SKIP }, async (t) => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-switch", page, async () => {
    // admin first, as the console's own user; when admin holds a single
    // account, the demo person with several shows the switching.
    let login = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });
    let { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, login.token);
    await signInWithToken(page, "/admin/", login.token);
    await page.getByTestId("account-menu").click();
    const items = page.locator(".account-item");
    await items.first().waitFor();
    assert.equal(await items.count(), accounts.length, "the switcher lists every account of admin");
    if (accounts.length < 2) {
      login = await rpc("yima.identity.v1.IdentityService/DevLogin", MULTI);
      accounts = (await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, login.token)).accounts;
      if (accounts.length < 2) {
        t.skip(`admin and ${MULTI.name} each hold a single account; start yima dev with --demo`);
        return;
      }
      await signInWithToken(page, "/admin/", login.token);
      await page.getByTestId("person-name").filter({ hasText: MULTI.name }).waitFor();
      await page.getByTestId("account-menu").click();
      await items.first().waitFor();
      assert.equal(await items.count(), accounts.length, `the switcher lists every account of ${MULTI.name}`);
    }
    const before = await page.getByTestId("active-account").innerText();
    const active = accounts.find((a) => a.active);
    const other = accounts.find((a) => !a.active && a.kind !== active.kind) ?? accounts.find((a) => !a.active);
    await page.locator(`.account-item[data-account-id="${other.id}"]`).click();
    await page.getByTestId("active-account").filter({ hasText: KIND_LABEL[other.kind] }).waitFor();
    assert.notEqual(await page.getByTestId("active-account").innerText(), before);
    assert.notEqual(await page.evaluate(() => localStorage.getItem("yima.token")), login.token);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test("h5: 多账号市民通过动作面板切换账号", { skip: SKIP }, async (t) => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("h5-switch", page, async () => {
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", MULTI);
    const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
    await signInWithToken(page, "/h5/", token);
    await page.getByTestId("person-name").filter({ hasText: MULTI.name }).waitFor();
    if (accounts.length < 2) {
      t.skip(`${MULTI.name} has ${accounts.length} account(s); start yima dev with --demo`);
      return;
    }
    const activeBefore = accounts.find((a) => a.active);
    await page.getByTestId("open-account-switcher").click();
    const sheet = page.locator(".van-action-sheet");
    await sheet.waitFor();
    const items = sheet.locator(".van-action-sheet__item");
    await items.first().waitFor();
    assert.equal(await items.count(), accounts.length, "the sheet lists every account");
    await shot(page, "h5-switcher");

    // Items follow ListAccounts' order; switch to an account of another kind.
    const target = accounts.find((a) => !a.active && a.kind !== activeBefore.kind) ?? accounts.find((a) => !a.active);
    await items.nth(accounts.indexOf(target)).click();
    await page.getByTestId("active-account").filter({ hasText: KIND_LABEL[target.kind] }).waitFor();
    const stored = await page.evaluate(() => localStorage.getItem("yima.token"));
    assert.notEqual(stored, token, "switching stores the new token");

    // The other apps on the origin see the same account.
    await page.goto(`${BASE}/scan/`);
    await page.getByTestId("active-account").filter({ hasText: KIND_LABEL[target.kind] }).waitFor();
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test("org: 非组织账号时列出可切换的组织账号", { skip: SKIP }, async (t) => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("org-pick", page, async () => {
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", MULTI);
    const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
    const orgAccounts = accounts.filter(
      (a) => a.kind === "ACCOUNT_KIND_ORG_LEADER" || a.kind === "ACCOUNT_KIND_ORG_ADMIN",
    );
    await signInWithToken(page, "/org/", token);
    if (!orgAccounts.length) {
      await page.getByTestId("no-org-account").waitFor();
      t.skip(`${MULTI.name} has no org account; start yima dev with --demo`);
      return;
    }
    const active = accounts.find((a) => a.active);
    if (active.kind === "ACCOUNT_KIND_ORG_LEADER" || active.kind === "ACCOUNT_KIND_ORG_ADMIN") {
      await page.getByTestId("current-org").waitFor();
      return;
    }
    await page.getByText("我的组织账号").waitFor();
    const target = orgAccounts[0];
    await page.locator(`[data-account-id="${target.id}"]`).click();
    await page
      .getByTestId("current-org")
      .filter({ hasText: target.displayName.split(" · ")[0] })
      .waitFor();
    await page.getByTestId("active-account").filter({ hasText: KIND_LABEL[target.kind] }).waitFor();
    await shot(page, "org-home");
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test("org: 没有组织账号的市民看到提示", { skip: SKIP }, async () => {
  const { page, context } = await openPage(browser, PHONE);
  await step("org-none", page, async () => {
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", {
      idNumber: "310105200103082069",
      name: "赵雨桐",
    });
    await signInWithToken(page, "/org/", token);
    await page.getByTestId("no-org-account").filter({ hasText: "您还没有组织账号" }).waitFor();
  });
  await context.close();
});
