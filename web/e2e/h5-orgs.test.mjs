// Org discovery in the H5 (V4): near 徐家汇 the orgs come nearest first
// with their figures and by founding date on request; an org's public page
// opens without signing in, and its poster is drawn with the page's QR
// code. A visitor who wants to join is sent to sign in, then, being no
// volunteer yet, to registration, and back to the org, applies, sees the
// application pending and withdraws it. The applicant is a fresh person,
// so 李晓梅's memberships (h5-me, org-members) stay as they are. Needs
// `yima dev --demo`.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { BASE, PHONE, SKIP, idNumber, launch, openPage, randomBirth, rpc, shot, step } from "./helpers.mjs";

const ORG = "徐家汇街道志愿者服务中心";
const XUJIAHUI = { latitude: 31.1946, longitude: 121.437 };

let browser;
let org; // the demo's 徐家汇街道志愿者服务中心, as SearchOrgs gives it
before(async () => {
  if (SKIP) return;
  browser = await launch();
  const res = await rpc("yima.org.v1.OrgDiscoveryService/SearchOrgs", { nameContains: ORG });
  org = (res.orgs ?? []).find((o) => o.name === ORG);
  assert.ok(org, `the demo has ${ORG}`);
});
after(async () => {
  await browser?.close();
});

/** ordered reports whether values never go down. */
function ordered(values) {
  return values.every((v, i) => i === 0 || values[i - 1] <= v);
}

test("h5 找组织：在徐家汇按距离列出组织，按成立时间排序，打开组织主页并生成海报", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, {
    ...PHONE,
    geolocation: XUJIAHUI,
    permissions: ["geolocation"],
    acceptDownloads: true,
  });
  await step("h5-orgs-browse", page, async () => {
    // From 我的 (signed out it sends to sign-in), so open the list directly: it is public.
    await page.goto(`${BASE}/h5/orgs`);
    await page.getByTestId("discover-origin").filter({ hasText: "已按您的位置计算距离" }).waitFor();
    await page.getByTestId("org-card").first().waitFor();
    const kms = (await page.getByTestId("org-distance").evaluateAll((els) => els.map((e) => e.dataset.km))).map(Number);
    assert.ok(kms.length >= 2, "distances are shown");
    assert.ok(ordered(kms), `nearest first: ${kms.join(", ")}`);
    assert.ok(kms[0] < 3, "the nearest org is close to 徐家汇");
    const first = page.getByTestId("org-card").first();
    assert.match(await first.innerText(), /成员[\s\S]*项目[\s\S]*服务小时/);
    await shot(page, "h5-orgs-list");

    // Oldest founded first.
    await page.locator(".van-dropdown-menu__item").nth(2).click();
    await page.locator(".van-dropdown-item__option", { hasText: "最早成立" }).click();
    await page.locator(".van-dropdown-menu__item", { hasText: "最早成立" }).waitFor();
    // The list refills: wait until what it shows is in founding order.
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll('[data-testid="org-founded"]')].map((e) => e.dataset.founded);
      return v.length > 1 && v.every((x, i) => i === 0 || v[i - 1] <= x);
    });
    assert.equal((await page.getByTestId("org-distance").count()) > 0, true, "distances still shown");

    // The org by its name, in 徐汇区.
    await page.locator(".van-dropdown-menu__item").nth(1).click();
    await page.locator(".van-dropdown-item__option", { hasText: "徐汇区" }).click();
    await page.getByTestId("orgs-search").locator("input").fill(ORG);
    await page.getByTestId("orgs-search").locator("input").press("Enter");
    const card = page.getByTestId("org-card").filter({ hasText: ORG });
    await card.waitFor();
    assert.match(await card.getByTestId("org-distance").innerText(), /距您 [\d.]+ (km|m)/);
    await card.click();

    await page.waitForURL(new RegExp(`/h5/orgs/${org.id}$`));
    await page.getByTestId("org-name").filter({ hasText: ORG }).waitFor();
    await page
      .getByTestId("org-members")
      .filter({ hasText: String(org.memberCount) })
      .waitFor();
    await page.locator('[data-testid="org-logo"], [data-testid="org-badge"]').first().waitFor();
    // Its projects open to join, the demo's running one among them.
    await page.getByTestId("org-project").filter({ hasText: "徐家汇街道轨交站点文明引导" }).waitFor();
    await shot(page, "h5-org-detail");

    // The poster: a PNG drawn from the page, to save or download.
    await page.getByTestId("org-poster").click();
    const img = page.getByTestId("org-poster-image");
    await img.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="org-poster-image"]')?.complete);
    const drawn = await img.evaluate((el) => {
      // Not one flat colour: sample the pixels for dark ones (text, QR).
      const c = document.createElement("canvas");
      c.width = el.naturalWidth;
      c.height = el.naturalHeight;
      const ctx = c.getContext("2d");
      ctx.drawImage(el, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 150) dark++;
      return { width: el.naturalWidth, height: el.naturalHeight, dark };
    });
    assert.ok(drawn.width >= 600 && drawn.height > drawn.width, JSON.stringify(drawn));
    assert.ok(drawn.dark > 5_000, `the poster has content: ${JSON.stringify(drawn)}`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("org-poster-download").click(),
    ]);
    assert.match(download.suggestedFilename(), /\.png$/);
    const png = await readFile(await download.path());
    assert.ok(png.length > 10_000, `a real image: ${png.length} bytes`);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    await shot(page, "h5-org-poster");
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});

test("h5 组织主页：访客申请加入 → 登录 → 注册志愿者 → 回到组织申请 → 待审核 → 撤回", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  const person = { idNumber: idNumber("310104", randomBirth()), name: "入会测试" };
  await step("h5-org-join", page, async () => {
    await page.goto(`${BASE}/h5/orgs/${org.id}`);
    await page.getByTestId("org-name").filter({ hasText: ORG }).waitFor();

    // Signed out: to the sign-in page and back.
    await page.getByTestId("org-join").click();
    await page.waitForURL(/\/h5\/login\?redirect=/);
    await page.locator('input[name="id_number"]').fill(person.idNumber);
    await page.locator('input[name="name"]').fill(person.name);
    await page.getByRole("button", { name: "开发登录" }).click();
    await page.waitForURL(new RegExp(`/h5/orgs/${org.id}$`));

    // No volunteer yet: to registration and back.
    await page.getByTestId("org-join").click();
    await page.locator(".van-dialog").getByRole("button", { name: "去注册" }).click();
    await page.waitForURL(/\/h5\/register\?redirect=/);
    await page.getByTestId("register-political").getByText("群众", { exact: true }).click();
    await page.getByTestId("register-categories").getByText("社区服务", { exact: true }).click();
    await page.getByTestId("register-agree").click();
    await page.getByTestId("register-submit").click();
    await page.waitForURL(new RegExp(`/h5/orgs/${org.id}$`));

    // Apply; the application waits for the org, also after a reload.
    await page.getByTestId("org-join").click();
    await page.locator(".van-dialog").getByRole("button", { name: "申请" }).click();
    await page.getByTestId("org-member-status").filter({ hasText: "待审核" }).waitFor();
    await page.reload();
    await page.getByTestId("org-member-status").filter({ hasText: "待审核" }).waitFor();
    const token = await page.evaluate(() => localStorage.getItem("yima.token"));
    const { memberships } = await rpc("yima.org.v1.MemberService/ListMyMemberships", {}, token);
    assert.equal(memberships.find((m) => m.orgId === org.id)?.status, "MEMBER_STATUS_PENDING");
    await shot(page, "h5-org-pending");

    // Withdraw it: back to 申请加入.
    await page.getByTestId("org-quit").click();
    await page.locator(".van-dialog").getByRole("button", { name: "撤回" }).click();
    await page.getByTestId("org-join").waitFor();
    const after = await rpc("yima.org.v1.MemberService/ListMyMemberships", {}, token);
    assert.equal(after.memberships.find((m) => m.orgId === org.id)?.status, "MEMBER_STATUS_LEFT");

    // 我的 links here: 找组织.
    await page.goto(`${BASE}/h5/`);
    await page.getByTestId("open-orgs").click();
    await page.waitForURL(/\/h5\/orgs$/);
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
