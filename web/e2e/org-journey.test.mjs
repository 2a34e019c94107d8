// The org portal's main journeys (O1, O3, O4, O8, O9) on `yima dev --demo`:
// a new citizen applies for an org under 徐家汇街道志愿者服务中心 and its
// leader 王建国 admits it; 王建国 publishes a project through the wizard
// and 陈思远, leading 徐汇区志愿者协会 above, approves it; a volunteer signs
// up through the API and 王建国 hires them on the recruitment page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE,
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

const LEADER = { idNumber: "310104197211304510", name: "王建国" };
const STREET = "徐家汇街道志愿者服务中心";
const DISTRICT = "徐汇区志愿者协会";
const ORG_LEADER = "ACCOUNT_KIND_ORG_LEADER";
const suffix = String(Date.now() % 1_000_000);

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** confirm presses the confirm button of the dialog on screen and waits for it to close. */
async function confirm(page) {
  await page.locator(".van-dialog:visible .van-dialog__confirm").click();
  await page.waitForFunction(() => ![...document.querySelectorAll(".van-dialog")].some((d) => d.offsetParent));
}

/** fill types into the input (or textarea) of a Vant field found by test id. */
async function fill(page, testid, value) {
  await page.getByTestId(testid).locator("input, textarea").first().fill(value);
}

/** freshCitizen signs in a citizen nobody has used yet. */
async function freshCitizen(name) {
  const person = { idNumber: idNumber("310104", randomBirth()), name };
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", person);
  return { person, token };
}

test("组织端：市民申请成立组织，上级组织审核通过", { skip: SKIP }, async () => {
  const applicant = await openPage(browser, PHONE);
  const reviewer = await openPage(browser, PHONE);
  const orgName = `E2E社区志愿服务队${suffix}`;
  await step("org-register", applicant.page, async () => {
    const { page } = applicant;
    const { token } = await freshCitizen("申请人");
    await signInWithToken(page, "/org/", token);
    await page.getByTestId("no-org-account").waitFor();
    await page.getByTestId("open-register").click();

    await fill(page, "org-name", orgName);
    await page.getByTestId("org-parent").click();
    await page.getByTestId("org-choice-search").locator("input").fill("徐家汇街道");
    const choice = page.getByTestId("org-choice").filter({ hasText: STREET });
    await choice.getByTestId("org-choice-pick").click();
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid="org-parent"] input')?.value === want,
      STREET,
    );
    await fill(page, "org-supervising-unit", "徐汇区民政局");
    await fill(page, "org-address", "上海市徐汇区漕溪北路 88 号");
    await fill(page, "location-lat", "31.1890");
    await fill(page, "location-lng", "121.4370");
    await page.locator('[data-category="社区服务"]').click();
    await page.getByTestId("org-register-submit").click();

    await page.waitForURL(`${BASE}/org/applications`);
    const card = page.getByTestId("application").filter({ hasText: orgName });
    await card.getByTestId("application-status").filter({ hasText: "待审核" }).waitFor();
    await shot(page, "org-application-pending");
  });

  await step("org-admit", reviewer.page, async () => {
    const { page } = reviewer;
    await signInWithToken(page, "/org/", await accountToken(LEADER, ORG_LEADER, STREET));
    await page.getByTestId("entry-org-review").click();
    await page.getByTestId("child-org").filter({ hasText: orgName }).click();
    await page.getByTestId("org-detail-name").filter({ hasText: orgName }).waitFor();
    await page.getByTestId("org-approve").click();
    await confirm(page);
    await page.getByTestId("org-detail-status").filter({ hasText: "正常" }).waitFor();
    await page.getByTestId("org-history").filter({ hasText: "审核通过" }).waitFor();
    await shot(page, "org-admitted");
  });

  await step("org-manage", applicant.page, async () => {
    const { page } = applicant;
    await page.reload();
    const card = page.getByTestId("application").filter({ hasText: orgName });
    await card.getByTestId("application-status").filter({ hasText: "已通过" }).waitFor();
    await card.getByTestId("application-manage").click();
    await page.waitForURL(`${BASE}/org/`);
    await page.getByTestId("current-org").filter({ hasText: orgName }).waitFor();
  });
  assert.deepEqual(applicant.problems, []);
  assert.deepEqual(reviewer.problems, []);
  await applicant.context.close();
  await reviewer.context.close();
});

test("组织端：向导发布项目，上级组织审核通过", { skip: SKIP }, async () => {
  const publisher = await openPage(browser, PHONE);
  const reviewer = await openPage(browser, PHONE);
  const title = `E2E站点文明引导${suffix}`;
  let projectUrl = "";
  await step("project-wizard", publisher.page, async () => {
    const { page } = publisher;
    await signInWithToken(page, "/org/", await accountToken(LEADER, ORG_LEADER, STREET));
    await page.getByTestId("entry-project-new").click();

    // 1. The notice must be accepted.
    await page.getByTestId("wizard-next").click();
    await page.locator(".van-toast", { hasText: "请阅读并同意发布须知" }).waitFor();
    await page.getByTestId("wizard-accept").click();
    await page.getByTestId("wizard-next").click();

    // 2. Basic information (the times default to three days ahead).
    await fill(page, "wizard-title", title);
    await fill(page, "wizard-description", "在地铁站口引导乘客有序排队");
    await fill(page, "wizard-address", "徐家汇地铁站 1 号口");
    await fill(page, "location-lat", "31.1946");
    await fill(page, "location-lng", "121.4370");
    await page.getByTestId("wizard-next").click();

    // 3. Categories and a tag.
    const cat = page.locator('[data-category="文明交通"]');
    if ((await cat.getAttribute("aria-pressed")) !== "true") await cat.click();
    await fill(page, "wizard-tag-input", "周末");
    await page.getByTestId("wizard-tag-add").click();
    await page.getByTestId("wizard-next").click();

    // 4. Two positions, one staff-scan only.
    await fill(page, "wizard-position-name", "站台引导员");
    await page.getByTestId("wizard-add-position").click();
    await page.getByTestId("wizard-position-name").nth(1).locator("input").fill("秩序维护员");
    await page.getByTestId("wizard-position").nth(1).getByText("志愿者自助扫码").click();
    await shot(page, "org-project-wizard-positions");
    await page.getByTestId("wizard-submit").click();

    await page.waitForURL(/\/org\/projects\/[0-9a-f-]{36}$/);
    projectUrl = page.url();
    await page.getByTestId("project-status").filter({ hasText: "待审核" }).waitFor();
    assert.equal(await page.getByTestId("project-position").count(), 2);
    const second = await page.getByTestId("project-position").nth(1).innerText();
    assert.match(second, /秩序维护员/);
    assert.doesNotMatch(second, /自助/);
  });

  await step("project-review", reviewer.page, async () => {
    const { page } = reviewer;
    await signInWithToken(page, "/org/", await accountToken(MULTI, ORG_LEADER, DISTRICT));
    await page.getByTestId("entry-project-review").click();
    await page.getByTestId("review-project").filter({ hasText: title }).click();
    await page.waitForURL(projectUrl);
    await page.getByTestId("project-approve").click();
    await confirm(page);
    await page.getByTestId("project-status").filter({ hasText: "招募中" }).waitFor();
    await shot(page, "org-project-approved");
  });

  await step("project-recruiting", publisher.page, async () => {
    const { page } = publisher;
    await page.goto(`${BASE}/org/projects?tab=recruiting`);
    await page.getByTestId("project-card").filter({ hasText: title }).waitFor();
  });
  assert.deepEqual(publisher.problems, []);
  assert.deepEqual(reviewer.problems, []);
  await publisher.context.close();
  await reviewer.context.close();
});

test("组织端：审核报名，录用后退回待审核", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("recruit", page, async () => {
    // A recruiting project of 徐家汇街道, approved by 徐汇区.
    const leader = await accountToken(LEADER, ORG_LEADER, STREET);
    const reviewer = await accountToken(MULTI, ORG_LEADER, DISTRICT);
    const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, leader);
    const orgId = accounts.find((a) => a.active).orgId;
    const start = new Date(Date.now() + 2 * 86_400_000);
    const { project } = await rpc(
      "yima.project.v1.ProjectService/CreateProject",
      {
        orgId,
        title: `E2E报名审核${suffix}`,
        startTime: start.toISOString(),
        endTime: new Date(start.getTime() + 3 * 3_600_000).toISOString(),
        address: "徐家汇公园",
        location: { lat: 31.1925, lng: 121.4385 },
        serviceCategories: ["社区服务"],
        positions: [
          { name: "引导员", quota: 2 },
          { name: "后勤", quota: 1 },
        ],
      },
      leader,
    );
    await rpc("yima.project.v1.ProjectService/SubmitProject", { projectId: project.id }, leader);
    await rpc("yima.project.v1.ProjectService/ReviewProject", { projectId: project.id, approve: true }, reviewer);

    // A new volunteer signs up for 引导员.
    const { token: vol } = await freshCitizen("报名志愿者");
    await rpc(
      "yima.volunteer.v1.VolunteerService/Register",
      { politicalStatus: "群众", serviceCategories: ["社区服务"] },
      vol,
    );
    await rpc(
      "yima.project.v1.ProjectService/SignUp",
      { projectId: project.id, positionId: project.positions[0].id },
      vol,
    );

    await signInWithToken(page, `/org/projects/${project.id}`, leader);
    await page.getByTestId("project-recruit").click();
    const row = page.getByTestId("signup-row").filter({ hasText: "引导员" });
    await row.waitFor();
    await row.getByTestId("signup-approve").click();
    await page.getByTestId("signup-empty").waitFor();

    await page.locator(".van-tab", { hasText: "已录用" }).click();
    const hired = page.getByTestId("signup-row").first();
    await hired.waitFor();
    await page.locator(".quota", { hasText: "引导员 1/2" }).waitFor();
    await shot(page, "org-recruit-hired");

    // Back to pending.
    await hired.getByTestId("signup-unhire").click();
    await confirm(page);
    await page.getByTestId("signup-empty").waitFor();
    await page.locator(".quota", { hasText: "引导员 0/2" }).waitFor();
    await page.locator(".van-tab", { hasText: "待审核" }).click();
    await page.getByTestId("signup-row").first().waitFor();
  });
  assert.deepEqual(problems, []);
  await context.close();
});
