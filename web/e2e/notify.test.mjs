// Notifications (O4, S4) end to end on `yima dev --demo`: 王建国, leader of
// 徐家汇街道志愿者服务中心, texts the hired volunteers of its running project
// from the org portal and watches the deliveries; the console's 开发短信网关
// shows the text the dev gateway received; 李晓梅, hired on that project,
// finds it in her H5 inbox.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DESKTOP, PHONE, SKIP, launch, openPage, rpc, shot, signInWithToken, step } from "./helpers.mjs";

const PROJECT_TITLE = "徐家汇街道轨交站点文明引导";
const LEADER = { idNumber: "310104197211304510", name: "王建国" };
const VOLUNTEER = { idNumber: "310104199509231421", name: "李晓梅" };
const VOLUNTEER_PHONE = "139****0002";

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
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

test("消息通知：组织端短信通知已录用志愿者，后台开发短信网关可见，志愿者收件箱可见", { skip: SKIP }, async () => {
  const body = `E2E：明早7:30在徐家汇站3号口集合，领取马甲。${Date.now() % 100000}`;

  // 1. The org portal: compose, send, watch the deliveries.
  const org = await openPage(browser, PHONE);
  await step("notify-org-send", org.page, async () => {
    const { page } = org;
    await signInWithToken(page, "/org/", await leaderToken());
    await page.getByTestId("entry-message-new").click();
    await page.locator(".van-nav-bar__title", { hasText: "发消息" }).waitFor();
    await page.getByTestId("pick-project").click();
    await page.locator(".van-action-sheet__item", { hasText: PROJECT_TITLE }).click();
    await page.getByTestId("pick-project").filter({ hasText: PROJECT_TITLE }).waitFor();
    await page.getByTestId("audience-preview").filter({ hasText: "已录用" }).waitFor();
    assert.match(await page.getByTestId("audience-preview").innerText(), /共 \d+ 人/);
    await page.getByTestId("title").locator("input").fill("集合通知");
    await page.getByTestId("body").locator("textarea").fill(body);
    await shot(page, "notify-org-compose");
    await page.getByTestId("send-message").click();
    await page.locator(".van-dialog__confirm").click();

    await page.locator(".van-nav-bar__title", { hasText: "消息详情" }).waitFor();
    await page.getByTestId("message-card").filter({ hasText: body }).waitFor();
    const li = page.getByTestId("delivery-row").filter({ hasText: VOLUNTEER_PHONE });
    await li.filter({ hasText: "已发送" }).waitFor({ timeout: 20_000 });
    assert.match(await li.innerText(), /李\*\*/);
    await shot(page, "notify-org-deliveries");

    // The sent list has it too.
    await page.goto(page.url().replace(/\/messages\/[^/]+$/, "/messages"));
    await page.getByTestId("message-row").filter({ hasText: "集合通知" }).first().waitFor();
    assert.deepEqual(org.problems, []);
  });
  await org.context.close();

  // 2. The console's dev gateway shows the signed text, masked number.
  const admin = await openPage(browser, DESKTOP);
  await step("notify-dev-gateway", admin.page, async () => {
    const { page } = admin;
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });
    await signInWithToken(page, "/admin/monitor/dev-sms", token);
    // Every hired volunteer got the text; find 李晓梅's by her number.
    await page.getByPlaceholder("脱敏号码").fill(VOLUNTEER_PHONE);
    await page.getByRole("button", { name: "搜索" }).click();
    const row = page.getByTestId("dev-sms-table").locator("tr", { hasText: body }).filter({ hasText: VOLUNTEER_PHONE });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /【一码做志愿】E2E：/);
    assert.match(text, /139\*\*\*\*0002/);
    await shot(page, "notify-dev-gateway");

    // 已发消息 lists the org's message within the admin's scope.
    await page.goto(page.url().replace("/monitor/dev-sms", "/message/sent"));
    await page.getByTestId("sent-table").locator("tr", { hasText: "集合通知" }).first().waitFor();
    assert.deepEqual(admin.problems, []);
  });
  await admin.context.close();

  // 3. 李晓梅's inbox.
  const h5 = await openPage(browser, PHONE);
  await step("notify-inbox", h5.page, async () => {
    const { page } = h5;
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", VOLUNTEER);
    await signInWithToken(page, "/h5/", token);
    await page.getByTestId("open-inbox").click();
    const row = page.getByTestId("inbox-row").filter({ hasText: "集合通知" }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /徐家汇街道志愿者服务中心/);
    await row.click();
    await page.getByTestId("inbox-detail").filter({ hasText: body }).waitFor();
    await shot(page, "notify-inbox");
    assert.deepEqual(h5.problems, []);
  });
  await h5.context.close();
});
