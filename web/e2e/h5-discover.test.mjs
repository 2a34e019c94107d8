// The volunteer H5's project discovery (V3): a share link opens the public
// detail without signing in and sends a visitor who wants to sign up to the
// sign-in page and back; a citizen who is not a volunteer is told why they
// cannot sign up; 李晓梅, near 徐家汇, finds the projects nearest first,
// opens the demo's recruiting project of 天平路街道志愿者服务中心 and signs up.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE,
  PHONE,
  SKIP,
  accountToken,
  idNumber,
  launch,
  openPage,
  randomBirth,
  rpc,
  signInWithToken,
  step,
} from "./helpers.mjs";

const VOLUNTEER = { idNumber: "310104199509231421", name: "李晓梅" };
const ORG = "天平路街道志愿者服务中心";
const XUJIAHUI = { latitude: 31.1946, longitude: 121.437 };

let browser;
let target; // the recruiting project of 天平路街道志愿者服务中心
before(async () => {
  if (SKIP) return;
  browser = await launch();
  let pageToken = "";
  do {
    const res = await rpc("yima.project.v1.DiscoveryService/SearchProjects", {
      districtCode: "310104",
      hasFreePlaces: true,
      pageSize: 50,
      pageToken,
    });
    target = (res.projects ?? []).find((p) => p.orgName === ORG && p.stage === "PROJECT_STAGE_RECRUITING");
    pageToken = res.nextPageToken ?? "";
  } while (!target && pageToken);
  assert.ok(target, `the demo has a recruiting project of ${ORG} with free places`);
});
after(async () => {
  await browser?.close();
});

test(
  "h5 找项目: 未登录打开分享链接看到详情，报名先登录再回到详情；未注册志愿者的市民被告知原因",
  { skip: SKIP },
  async () => {
    const { page, problems, context } = await openPage(browser, PHONE);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
    // Without the Web Share API the share button copies the link.
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, "share", { value: undefined, configurable: true });
    });
    await step("h5-discover-share", page, async () => {
      await page.goto(`${BASE}/h5/projects/${target.id}`);
      await page.getByTestId("project-title").filter({ hasText: target.title }).waitFor();
      await page.getByTestId("project-org").filter({ hasText: ORG }).waitFor();
      assert.match(page.url(), new RegExp(`/h5/projects/${target.id}$`), "no sign-in needed");

      await page.getByTestId("project-share").click();
      await page.getByText("链接已复制").waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, `${BASE}/h5/projects/${target.id}`);

      // 报名 without signing in: to the sign-in page, then back to the detail.
      await page.getByTestId("position-signup").first().click();
      await page.waitForURL(/\/h5\/login\?redirect=/);
      // A citizen new to the platform, not a volunteer.
      await page.locator('input[name="id_number"]').fill(idNumber("310104", randomBirth()));
      await page.locator('input[name="name"]').fill("测试市民");
      await page.getByRole("button", { name: "开发登录" }).click();
      await page.waitForURL(new RegExp(`/h5/projects/${target.id}$`));
      await page.getByTestId("project-title").filter({ hasText: target.title }).waitFor();

      // Signing up needs a volunteer registration; the page says so.
      await page.getByTestId("position-signup").first().click();
      await page.locator(".van-dialog").getByRole("button", { name: "报名", exact: true }).click();
      await page.getByTestId("signup-notice").filter({ hasText: "您还不是注册志愿者" }).waitFor();
      assert.deepEqual(
        problems.filter((p) => !/status of 403|permission_denied/i.test(p)),
        [],
        "no console errors besides the refused sign-up",
      );
    });
    await context.close();
  },
);

test("h5 找项目: 李晓梅在徐家汇按距离找到天平路街道的招募项目并报名，看到待审核", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, {
    ...PHONE,
    geolocation: XUJIAHUI,
    permissions: ["geolocation"],
  });
  await step("h5-discover-signup", page, async () => {
    const token = await accountToken(VOLUNTEER, "ACCOUNT_KIND_VOLUNTEER");
    await signInWithToken(page, "/h5/", token);
    await page.getByTestId("open-discover").click();
    await page.waitForURL(/\/h5\/projects$/);
    await page.getByTestId("discover-origin").filter({ hasText: "已按您的位置计算距离" }).waitFor();

    // Nearest first, from where she stands.
    await page.getByTestId("discover-card").first().waitFor();
    const kms = (await page.getByTestId("discover-distance").evaluateAll((els) => els.map((e) => e.dataset.km))).map(
      Number,
    );
    assert.ok(kms.length >= 2, "distances are shown");
    for (let i = 1; i < kms.length; i++) assert.ok(kms[i - 1] <= kms[i], `sorted by distance: ${kms.join(", ")}`);
    assert.ok(kms[0] < 3, "the nearest project is close to 徐家汇");

    // Only projects with free places, then the project by its name.
    await page.locator(".van-dropdown-menu__item", { hasText: "筛选" }).click();
    await page.getByTestId("filter-free").click();
    await page.getByTestId("filter-more").getByRole("button", { name: "确定" }).click();
    await page.getByTestId("discover-search").locator("input").fill(target.title);
    await page.getByTestId("discover-search").locator("input").press("Enter");
    const card = page.getByTestId("discover-card").filter({ hasText: ORG }).filter({ hasText: target.title });
    await card.waitFor();
    assert.match(await card.getByTestId("discover-distance").innerText(), /距您 [\d.]+ (km|m)/);
    await card.click();

    await page.waitForURL(new RegExp(`/h5/projects/${target.id}$`));
    await page.getByTestId("project-title").filter({ hasText: target.title }).waitFor();
    const pending = page.getByTestId("position-row").filter({
      has: page.getByTestId("position-mine").filter({ hasText: "已报名（待审核）" }),
    });
    let position;
    if (await pending.count()) {
      // A run before this one against the same server signed her up already.
      position = (await pending.first().locator(".van-cell__title span").first().innerText()).trim();
    } else {
      const row = page
        .getByTestId("position-row")
        .filter({ has: page.getByTestId("position-signup") })
        .first();
      position = (await row.locator(".van-cell__title span").first().innerText()).trim();
      await row.getByTestId("position-signup").click();
      await page.locator(".van-dialog").getByRole("button", { name: "报名", exact: true }).click();
    }
    await page
      .getByTestId("position-row")
      .filter({ hasText: position })
      .getByTestId("position-mine")
      .filter({ hasText: "已报名（待审核）" })
      .waitFor();

    // The state holds after a reload, from her sign-ups.
    await page.reload();
    await page
      .getByTestId("position-row")
      .filter({ hasText: position })
      .getByTestId("position-mine")
      .filter({ hasText: "已报名（待审核）" })
      .waitFor();
    const { signUps } = await rpc(
      "yima.project.v1.ProjectService/ListMySignUps",
      { statuses: ["SIGN_UP_STATUS_PENDING"] },
      token,
    );
    assert.ok(
      signUps.some((s) => s.signUp.projectId === target.id && s.positionName === position),
      "the pending sign-up is stored",
    );

    // She changes her mind before the project starts: 取消, confirmed.
    const mineRow = page.getByTestId("position-row").filter({ hasText: position });
    await mineRow.getByTestId("position-cancel").click();
    await page.locator(".van-dialog").getByRole("button", { name: "取消报名", exact: true }).click();
    await mineRow.getByTestId("position-signup").waitFor();
    const after = await rpc(
      "yima.project.v1.ProjectService/ListMySignUps",
      { statuses: ["SIGN_UP_STATUS_PENDING", "SIGN_UP_STATUS_HIRED"] },
      token,
    );
    assert.ok(!after.signUps.some((s) => s.signUp.projectId === target.id), "the sign-up is withdrawn");
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
