// The volunteer's user center in the H5 (V6, V9): 李晓梅 sees her hours,
// projects and ratings on 我的, her sign-ups on 我的项目, edits her tags
// and weekly available slots and finds them saved, sees her service
// records and orgs, and applies for a no-criminal-record certificate. A
// fresh volunteer served on a project of 徐汇区志愿者协会 that closed
// (made through the API) applies for a service certificate on 服务记录与证明
// and, once the org issued it, downloads the PDF. Needs `yima dev --demo`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  MULTI,
  PHONE,
  SKIP,
  accountToken,
  idNumber,
  launch,
  openPage,
  randomBirth,
  rpc,
  shot,
  signInWithToken,
  step,
} from "./helpers.mjs";

const XIAOMEI = { idNumber: "310104199509231421", name: "李晓梅" }; // hired on a running project

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** hoursText renders seconds as the pages do: hours with at most one decimal. */
function hoursText(seconds) {
  return String(Math.round((Number(seconds ?? 0) / 3600) * 10) / 10);
}

test(
  "h5 我的：服务时长、项目、资料编辑（标签与可服务时段）、服务记录、组织、无犯罪记录证明",
  { skip: SKIP },
  async () => {
    const { page, problems, context } = await openPage(browser, PHONE);
    await step("h5-me", page, async () => {
      const token = await accountToken(XIAOMEI, "ACCOUNT_KIND_VOLUNTEER");
      const center = await rpc("yima.volunteer.v1.VolunteerService/GetMyProfile", {}, token);

      // 我的: the service at a glance.
      await signInWithToken(page, "/h5/", token);
      await page.getByTestId("person-name").filter({ hasText: XIAOMEI.name }).waitFor();
      await page
        .getByTestId("me-hours")
        .filter({ hasText: hoursText(center.stats?.serviceSeconds) })
        .waitFor();
      assert.equal(
        (await page.getByTestId("me-project-count").innerText()).trim(),
        String(center.stats?.projectsServed ?? 0),
      );
      await page.getByTestId("me-ratings").waitFor();
      await shot(page, "h5-me-center");

      // 我的项目: at least the running project she is hired on.
      await page.getByTestId("open-my-projects").click();
      await page.waitForURL(/\/h5\/me\/projects$/);
      const hired = page.getByTestId("my-project").filter({ hasText: "已录用" });
      await hired.first().waitFor();
      await shot(page, "h5-me-projects");
      await page.goBack();

      // 个人资料: add a tag, toggle two slots, save; it stays after a reload.
      await page.getByTestId("open-my-profile").click();
      await page.waitForURL(/\/h5\/me\/profile$/);
      await page.getByTestId("profile-edit").click();
      const tag = `E2E${Date.now() % 100000}`;
      // Keep within the tag limit: drop old test tags first.
      for (;;) {
        const old = page.getByTestId("tag-chip").filter({ hasText: /^E2E/ });
        if ((await old.count()) === 0) break;
        await old.first().locator(".van-tag__close").click();
      }
      await page.getByTestId("tag-input").locator("input").fill(tag);
      await page.getByTestId("tag-add").click();
      await page.getByTestId("tag-chip").filter({ hasText: tag }).waitFor();
      const want = { sat_morning: true, sun_evening: true, mon_afternoon: false };
      for (const [slot, on] of Object.entries(want)) {
        const cell = page.getByTestId(`slot-${slot}`);
        if ((await cell.getAttribute("aria-pressed")) !== String(on)) await cell.click();
        assert.equal(await cell.getAttribute("aria-pressed"), String(on));
      }
      await shot(page, "h5-me-profile-edit");
      await page.getByTestId("profile-save").click();
      await page.locator(".van-toast", { hasText: "已保存" }).waitFor();
      await page.getByTestId("profile-tags").filter({ hasText: tag }).waitFor();
      await page.reload();
      await page.getByTestId("profile-tags").filter({ hasText: tag }).waitFor();
      const slots = await page.getByTestId("profile-slots").innerText();
      assert.match(slots, /周六上午/);
      assert.match(slots, /周日晚上/);
      assert.doesNotMatch(slots, /周一下午/);
      const saved = (await rpc("yima.volunteer.v1.VolunteerService/GetMyProfile", {}, token)).profile;
      assert.ok(saved.tags.includes(tag), JSON.stringify(saved.tags));
      assert.ok(saved.availableSlots.includes("sat_morning") && saved.availableSlots.includes("sun_evening"));
      assert.ok(!saved.availableSlots.includes("mon_afternoon"));
      await shot(page, "h5-me-profile");

      // 服务记录与证明: the list renders, with rows or the empty state.
      await signInWithToken(page, "/h5/", token);
      await page.getByTestId("open-my-records").click();
      await page.waitForURL(/\/h5\/me\/records$/);
      await page
        .getByTestId("records-total")
        .filter({ hasText: hoursText(center.stats?.serviceSeconds) })
        .waitFor();
      await page.locator('[data-testid="record-row"], [data-testid="records-empty"]').first().waitFor();
      await shot(page, "h5-me-records");

      // 我的组织.
      await page.goto(`${page.url().replace(/\/me\/records$/, "/me/orgs")}`);
      await page.locator('[data-testid="my-org"], .van-empty').first().waitFor();

      // 无犯罪记录证明: apply, then see it listed and waiting.
      await page.goto(`${page.url().replace(/\/me\/orgs$/, "/me/record-check")}`);
      const apply = page.getByTestId("record-check-apply");
      await page.locator('[data-testid="record-check-apply"], .hint').first().waitFor();
      if (await apply.isVisible()) {
        const purpose = `参加社区助老志愿服务E2E${Date.now() % 1000}`;
        await page.getByTestId("record-check-purpose").locator("textarea").fill(purpose);
        await page.getByTestId("record-check-consent").click();
        await apply.click();
        await page.locator(".van-toast", { hasText: "已提交申请" }).waitFor();
        await page.getByTestId("record-check-row").filter({ hasText: purpose }).waitFor();
      }
      await page.getByTestId("record-check-status").first().waitFor();
      await shot(page, "h5-me-record-check");
      assert.deepEqual(problems, [], "no console errors or CSP violations");
    });
    await context.close();
  },
);

/**
 * servedOnClosed makes a project of 徐汇区志愿者协会 (陈思远 leads it) that
 * starts in a few seconds, hires a fresh volunteer and scans them in; once
 * it runs, the leader closes it and credits the session left open with 24
 * minutes, as the attendance desk's review would. It returns the
 * volunteer's token, the project and the leader's token.
 */
async function servedOnClosed() {
  const { token: login } = await rpc("yima.identity.v1.IdentityService/DevLogin", MULTI);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, login);
  const acct = accounts.find(
    (a) => a.kind === "ACCOUNT_KIND_ORG_LEADER" && a.displayName.startsWith("徐汇区志愿者协会"),
  );
  assert.ok(acct, "陈思远 leads 徐汇区志愿者协会");
  const leader = acct.active
    ? login
    : (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, login)).token;
  const { token: reviewer } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });

  const title = `E2E我的证明${Date.now() % 1_000_000}`;
  const start = new Date(Date.now() + 6_000);
  const { project } = await rpc(
    "yima.project.v1.ProjectService/CreateProject",
    {
      orgId: acct.orgId,
      title,
      description: "端到端测试：志愿者申请服务证明",
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 2 * 3600_000).toISOString(),
      address: "上海市徐汇区漕溪北路336号",
      location: { lat: 31.1946, lng: 121.437 },
      serviceCategories: ["社区服务"],
      positions: [{ name: "文明引导员", quota: 2 }],
    },
    leader,
  );
  await rpc("yima.project.v1.ProjectService/SubmitProject", { projectId: project.id }, leader);
  await rpc("yima.project.v1.ProjectService/ReviewProject", { projectId: project.id, approve: true }, reviewer);

  const volunteer = (
    await rpc("yima.identity.v1.IdentityService/DevLogin", {
      idNumber: idNumber("310104", randomBirth()),
      name: "孙佳怡",
    })
  ).token;
  await rpc(
    "yima.volunteer.v1.VolunteerService/Register",
    { politicalStatus: "群众", serviceCategories: ["社区服务"] },
    volunteer,
  );
  const { signUp } = await rpc(
    "yima.project.v1.ProjectService/SignUp",
    { projectId: project.id, positionId: project.positions[0].id },
    volunteer,
  );
  await rpc("yima.project.v1.ProjectService/ReviewSignUp", { signUpId: signUp.id, approve: true }, leader);
  const { payload } = await rpc("yima.checkin.v1.CheckinService/GetVolunteerCode", {}, volunteer);
  const scan = await rpc(
    "yima.checkin.v1.CheckinService/Scan",
    { scanId: `e2e-me-${Date.now()}`, projectId: project.id, payload },
    leader,
  );
  assert.equal(scan.outcome, "SCAN_OUTCOME_SIGNED_IN", JSON.stringify(scan));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, start.getTime() - Date.now() + 1_000)));

  await rpc("yima.project.v1.ProjectService/CloseProject", { projectId: project.id }, leader);
  const { sessions } = await rpc("yima.checkin.v1.CheckinStaffService/ListSessions", { projectId: project.id }, leader);
  assert.equal(sessions.length, 1);
  const now = Date.now();
  await rpc(
    "yima.checkin.v1.CheckinStaffService/ReviewSession",
    {
      sessionId: sessions[0].id,
      action: "REVIEW_ACTION_ADJUST",
      reason: "结项时未签退，按现场签到表核定",
      startedAt: new Date(now - 25 * 60_000).toISOString(),
      endedAt: new Date(now - 60_000).toISOString(),
    },
    leader,
  );
  return { volunteer, project, title, leader };
}

test("h5 服务记录：结项项目申请服务证明，出具后下载 PDF", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("h5-me-certificate", page, async () => {
    const { volunteer, title, leader } = await servedOnClosed();

    await signInWithToken(page, "/h5/me/records", volunteer);
    await page.getByTestId("record-row").filter({ hasText: title }).waitFor();
    assert.match(await page.getByTestId("record-row").filter({ hasText: title }).innerText(), /0\.4 小时/);
    const served = page.getByTestId("record-project").filter({ hasText: title });
    await served.getByTestId("apply-certificate").click();
    await page.locator(".van-dialog:visible .van-dialog__confirm").click();
    await page.locator(".van-toast", { hasText: "已提交申请" }).waitFor();
    await served.filter({ hasText: "待审核" }).waitFor();

    await page.getByRole("tab", { name: "我的证明申请" }).click();
    const applied = page.getByTestId("certificate-application").filter({ hasText: title });
    await applied.filter({ hasText: "待审核" }).waitFor();
    await shot(page, "h5-me-certificate-pending");

    // The org issues it; the volunteer downloads the signed PDF.
    const { applications } = await rpc(
      "yima.certificate.v1.CertificateService/ListMyCertificateApplications",
      {},
      volunteer,
    );
    await rpc("yima.certificate.v1.CertificateService/IssueCertificate", { applicationId: applications[0].id }, leader);
    await page.reload();
    await page.getByRole("tab", { name: "我的证明申请" }).click();
    await applied.filter({ hasText: "已出具" }).waitFor();
    await shot(page, "h5-me-certificate-issued");
    const pdf = context.waitForEvent("response", { predicate: (r) => new URL(r.url()).pathname.endsWith(".pdf") });
    const [tab] = await Promise.all([
      context.waitForEvent("page"),
      applied.getByTestId("download-certificate").click(),
    ]);
    const res = await pdf;
    assert.equal(res.status(), 200);
    assert.equal(res.headers()["content-type"], "application/pdf");
    await tab.close();
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
