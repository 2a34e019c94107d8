// The end of a project in the org portal, one journey (O3, O7, O10): a
// volunteer is hired on a project of 徐汇区志愿者协会 and scanned in
// (through the API); once it runs, 陈思远, its leader, closes it on the
// project page, rates the volunteer on the closed project's roster, and —
// the volunteer having applied for a certificate — opens 证明申请,
// reviews the application, previews the certificate (a PDF in a new tab)
// and issues it; the public verification page it links says 有效, and the
// console's register lists it. Needs `yima dev --demo`. The project is the
// district's own, so the street orgs' closed projects that other tests
// pick from stay as the demo made them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DESKTOP,
  PHONE,
  SKIP,
  idNumber,
  launch,
  openPage,
  randomBirth,
  rpc,
  shot,
  signInWithToken,
  step,
} from "./helpers.mjs";

const LEADER = { idNumber: "310104198605121236", name: "陈思远" }; // leads 徐汇区志愿者协会
const ORG = "徐汇区志愿者协会";

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** orgToken signs person in acting as their account of kind for the org whose name starts with orgName. */
async function orgToken(person, kind, orgName) {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", person);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === kind && a.displayName.startsWith(orgName));
  assert.ok(acct, `${person.name} has a ${kind} account of ${orgName}`);
  if (acct.active) return { token, orgId: acct.orgId };
  return {
    token: (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token,
    orgId: acct.orgId,
  };
}

/**
 * runningSoon makes a project of the leader's org that starts in a few
 * seconds and hires a fresh volunteer, who is scanned in as the attendance
 * desk would. It returns when the project runs.
 */
async function runningSoon(leader) {
  // The district's projects are reviewed by the city: the back office.
  const { token: reviewer } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });
  const title = `E2E证明项目${Date.now() % 1_000_000}`;
  const start = new Date(Date.now() + 8_000);
  const { project } = await rpc(
    "yima.project.v1.ProjectService/CreateProject",
    {
      orgId: leader.orgId,
      title,
      description: "端到端测试：结项、评价与服务证明",
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 2 * 3600_000).toISOString(),
      address: "上海市徐汇区漕溪北路336号",
      location: { lat: 31.1946, lng: 121.437 },
      serviceCategories: ["社区服务"],
      positions: [{ name: "文明引导员", quota: 2 }],
    },
    leader.token,
  );
  await rpc("yima.project.v1.ProjectService/SubmitProject", { projectId: project.id }, leader.token);
  await rpc("yima.project.v1.ProjectService/ReviewProject", { projectId: project.id, approve: true }, reviewer);

  const volunteer = (
    await rpc("yima.identity.v1.IdentityService/DevLogin", {
      idNumber: idNumber("310104", randomBirth()),
      name: "周晓燕",
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
  await rpc("yima.project.v1.ProjectService/ReviewSignUp", { signUpId: signUp.id, approve: true }, leader.token);
  const { payload } = await rpc("yima.checkin.v1.CheckinService/GetVolunteerCode", {}, volunteer);
  const scan = await rpc(
    "yima.checkin.v1.CheckinService/Scan",
    { scanId: `e2e-cert-${Date.now()}`, projectId: project.id, payload },
    leader.token,
  );
  assert.equal(scan.outcome, "SCAN_OUTCOME_SIGNED_IN", JSON.stringify(scan));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, start.getTime() - Date.now() + 1_000)));
  return { project, title, volunteer };
}

/**
 * creditAndApply credits the volunteer's session, left open at the close,
 * with 24 minutes as the attendance desk's review would, and has the
 * volunteer apply for a certificate.
 */
async function creditAndApply(leader, project, volunteer) {
  const { sessions } = await rpc(
    "yima.checkin.v1.CheckinStaffService/ListSessions",
    { projectId: project.id },
    leader.token,
  );
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
    leader.token,
  );
  const { application } = await rpc(
    "yima.certificate.v1.CertificateService/ApplyCertificate",
    { projectId: project.id, note: "用于学校社会实践" },
    volunteer,
  );
  assert.equal(application.status, "CERTIFICATE_APPLICATION_STATUS_PENDING");
  assert.equal(application.serviceSeconds, "1440");
  return application;
}

test("组织端：结项、评价志愿者、出具志愿服务证明，公开核验有效", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  let number = "";
  await step("org-certificate", page, async () => {
    const leader = await orgToken(LEADER, "ACCOUNT_KIND_ORG_LEADER", ORG);
    const { project, title, volunteer } = await runningSoon(leader);

    // 结项 on the project page, confirmed.
    await signInWithToken(page, `/org/projects/${project.id}`, leader.token);
    await page.getByTestId("project-close").click();
    await page.locator(".van-dialog:visible .van-dialog__confirm").click();
    await page.locator(".van-toast", { hasText: "已结项" }).waitFor();
    await shot(page, "org-project-closed");

    // The closed project's roster: rate the volunteer.
    await signInWithToken(page, `/org/closed/${project.id}`, leader.token);
    const row = page.getByTestId("roster-row").filter({ hasText: "周" });
    await row.waitFor();
    await row.getByTestId("roster-rate").click();
    const popup = page.getByTestId("rating-popup");
    await popup.getByTestId("rate-punctuality").locator(".van-rate__item").nth(4).click();
    await popup.getByTestId("rate-attitude").locator(".van-rate__item").nth(4).click();
    await popup.getByTestId("rate-skill").locator(".van-rate__item").nth(3).click();
    await popup.getByTestId("rate-submit").click();
    await row.getByTestId("roster-rating").filter({ hasText: "守时 5" }).waitFor();

    const application = await creditAndApply(leader, project, volunteer);
    await signInWithToken(page, "/org/", leader.token);
    await page.getByTestId("entry-certificates").click();
    await page.locator(".van-nav-bar__title", { hasText: "服务证明" }).waitFor();
    const queued = page.getByTestId("certificate-application").filter({ hasText: title });
    await queued.waitFor();
    assert.match(await queued.innerText(), /待审核[\s\S]*周\*+[\s\S]*0\.4 小时/);
    await shot(page, "org-certificate-queue");
    await queued.click();

    await page.getByTestId("application-status").filter({ hasText: "待审核" }).waitFor();
    assert.equal(await page.getByTestId("service-line").count(), 1);
    assert.match(await page.locator(".yima-page").innerText(), /周晓燕[\s\S]*居民身份证[\s\S]*文明引导员/);
    const ratings = await page.getByTestId("rating-line").allInnerTexts();
    assert.deepEqual(
      ratings.map((t) => t.replace(/\s+/g, "")),
      ["守时5分", "服务态度5分", "专业技能4分"],
      "the project's rating shows on the review",
    );
    await shot(page, "org-certificate-review");

    // 预览证明 opens the unsigned preview PDF in a new tab, with a ticket.
    const pdf = context.waitForEvent("response", { predicate: (r) => r.url().includes("/preview.pdf?ticket=") });
    const [preview] = await Promise.all([
      context.waitForEvent("page"),
      page.getByTestId("preview-certificate").click(),
    ]);
    const res = await pdf;
    assert.equal(res.status(), 200);
    assert.equal(res.headers()["content-type"], "application/pdf");
    assert.ok(res.url().includes(`/certificates/applications/${application.id}/preview.pdf`), res.url());
    await preview.close();

    // 出具证明, confirmed: numbered and issued.
    await page.getByTestId("issue-certificate").click();
    await page.locator(".van-dialog:visible .van-dialog__confirm").click();
    await page.getByTestId("application-status").filter({ hasText: "已出具" }).waitFor();
    number = (await page.getByTestId("certificate-number").locator(".van-cell__value").innerText()).trim();
    assert.match(number, /^SH-ZY-\d{4}-\d{6,}$/);
    await shot(page, "org-certificate-issued");

    // The public verification page: 有效, the name masked.
    const [verify] = await Promise.all([context.waitForEvent("page"), page.getByTestId("open-verify").click()]);
    const verifyProblems = [];
    verify.on("console", (msg) => {
      if (msg.type() === "error" || /Content Security Policy|Refused to/.test(msg.text()))
        verifyProblems.push(msg.text());
    });
    await verify.waitForURL(/\/verify\/certificate\/SH-ZY-\d{4}-\d+\?s=[0-9a-f]{16}$/);
    await verify.locator("[data-verdict=valid]", { hasText: "有效" }).waitFor();
    const text = await verify.locator("main").innerText();
    assert.ok(text.includes(number), text);
    assert.ok(!text.includes("周晓燕"), "the name is masked on the public page");
    await shot(verify, "certificate-verify-valid");
    assert.deepEqual(verifyProblems, []);
    await verify.close();

    // A wrong check code is 无效.
    const wrong = await context.newPage();
    await wrong.goto(verify.url().replace(/s=[0-9a-f]+$/, "s=0000000000000000"));
    await wrong.locator("[data-verdict=invalid]", { hasText: "无效" }).waitFor();
    await wrong.close();
    assert.deepEqual(problems, []);
  });
  await context.close();

  // The console's register (S5) lists it.
  const admin = await openPage(browser, DESKTOP);
  await step("admin-certificate-register", admin.page, async () => {
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });
    await signInWithToken(admin.page, "/admin/org/certificates", token);
    const table = admin.page.getByTestId("certificate-table");
    await table.locator("tr", { hasText: number }).waitFor();
    assert.ok((await table.locator("tr", { hasText: number }).innerText()).includes(ORG));
    await shot(admin.page, "admin-certificate-register");
    assert.deepEqual(admin.problems, []);
  });
  await admin.context.close();
});
