// The console's volunteer archive (S1): admin finds 李晓梅 on 志愿者列表 by
// name and by ID number and opens her archive (hours, projects, orgs); a
// volunteer who served on a project the test runs shows the service record
// and, opened, its sign-in and sign-out scans. A 徐汇 district admin finds
// 李晓梅 too but not a volunteer outside the district's scope, neither in
// the list nor by URL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE,
  DESKTOP,
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

const LI = { name: "李晓梅", idNumber: "310104199509231421" };
const STREET_LEADER = { idNumber: "310104197211304510", name: "王建国" };
const STREET = "徐家汇街道志愿者服务中心";
const XUHUI = "徐汇区志愿者协会";

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function adminToken() {
  return (await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" })).token;
}

/** searchBy fills one field of the search form, submits it and waits for the table. */
async function searchBy(page, label, value) {
  await page.getByRole("button", { name: "重置" }).click();
  await page.locator(".el-form-item", { hasText: label }).locator("input").fill(value);
  await page.getByRole("button", { name: "搜索" }).click();
}

/**
 * servedVolunteer has a fresh volunteer serve on a new project of
 * 徐家汇街道志愿者服务中心: 王建国 hires them, scans them in at 东门, closes
 * the project with them still signed in and credits the session on review,
 * which makes the service record. (李晓梅's own project keeps running: tests
 * must not disturb it.)
 */
async function servedVolunteer(admin, suffix) {
  const leader = await accountToken(STREET_LEADER, "ACCOUNT_KIND_ORG_LEADER", STREET);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, leader);
  const orgId = accounts.find((a) => a.active).orgId;
  const title = `E2E档案项目${suffix}`;
  const start = new Date(Date.now() + 6_000);
  const { project } = await rpc(
    "yima.project.v1.ProjectService/CreateProject",
    {
      orgId,
      title,
      description: "端到端测试：志愿者档案中的服务记录",
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 2 * 3600_000).toISOString(),
      address: "上海市徐汇区漕溪北路336号",
      location: { lat: 31.1946, lng: 121.437 },
      serviceCategories: ["社区服务"],
      positions: [{ name: "档案引导员", quota: 1 }],
    },
    leader,
  );
  await rpc("yima.project.v1.ProjectService/SubmitProject", { projectId: project.id }, leader);
  await rpc("yima.project.v1.ProjectService/ReviewProject", { projectId: project.id, approve: true }, admin);

  const name = `档案${suffix}`;
  const volunteer = (
    await rpc("yima.identity.v1.IdentityService/DevLogin", { idNumber: idNumber("310104", randomBirth()), name })
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
    { scanId: `e2e-archive-${suffix}`, projectId: project.id, payload, gate: "东门" },
    leader,
  );
  assert.equal(scan.outcome, "SCAN_OUTCOME_SIGNED_IN", JSON.stringify(scan));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, start.getTime() - Date.now() + 1_000)));
  await rpc("yima.project.v1.ProjectService/CloseProject", { projectId: project.id }, leader);
  // The close ended the session; it counts once reviewed.
  const { sessions } = await rpc("yima.checkin.v1.CheckinStaffService/ListSessions", { projectId: project.id }, leader);
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
  return { name, title };
}

test("admin: 志愿者列表 → 按姓名、身份证号查找 → 档案 → 服务记录详情", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-volunteers", page, async () => {
    const admin = await adminToken();
    const served = await servedVolunteer(admin, Date.now().toString(36));
    const { volunteers } = await rpc(
      "yima.volunteer.v1.VolunteerService/ListVolunteers",
      { idNumber: LI.idNumber },
      admin,
    );
    const li = volunteers[0].profile.volunteer;

    await page.goto(`${BASE}/admin/`);
    await page.waitForURL(/\/admin\/login/);
    await page.locator('input[name="username"]').fill("admin");
    await page.getByTestId("dev-login").click();
    await page.waitForURL(`${BASE}/admin/`);
    const menu = page.getByTestId("side-menu");
    await menu.getByText("志愿者管理", { exact: true }).click();
    await menu.getByText("志愿者列表", { exact: true }).click();
    await page.waitForURL(`${BASE}/admin/volunteer/list`);
    const table = page.getByTestId("volunteer-table");
    await table.locator("tbody tr").first().waitFor();

    // 李晓梅 by name, then by her full ID number; the table shows it masked.
    await searchBy(page, "姓名", LI.name);
    await table.locator("tbody tr", { hasText: LI.name }).first().waitFor();
    await searchBy(page, "身份证号", LI.idNumber);
    const row = table.locator("tbody tr", { hasText: li.volunteerNo });
    await row.waitFor();
    assert.equal(await table.locator("tbody tr").count(), 1, "one volunteer has the ID number");
    assert.ok(!(await row.textContent()).includes(LI.idNumber), "the ID number is masked");
    await row.getByText(li.idNumberMasked).waitFor();
    await shot(page, "admin-volunteers-list");

    // Her archive: hours, her org, the project she is hired on.
    await row.click();
    await page.waitForURL(`${BASE}/admin/volunteer/${li.id}`);
    const view = page.getByTestId("volunteer-detail");
    await view.getByRole("heading", { name: LI.name }).waitFor();
    await page.getByTestId("volunteer-stats").getByText("服务时长（小时）").waitFor();
    await page.getByTestId("volunteer-signups").locator("tbody tr", { hasText: "已录用" }).first().waitFor();
    await view.getByRole("tab", { name: /所属组织/ }).click();
    await page.getByTestId("volunteer-orgs").getByText(STREET).waitFor();
    await shot(page, "admin-volunteers-detail");

    // The volunteer who served: the record, and how it came about.
    await page.getByRole("button", { name: "返回" }).click();
    await page.waitForURL(`${BASE}/admin/volunteer/list`);
    await searchBy(page, "姓名", served.name);
    await table.locator("tbody tr", { hasText: served.name }).getByRole("button", { name: "详情" }).click();
    await view.getByRole("heading", { name: served.name }).waitFor();
    await view.getByRole("tab", { name: /服务记录/ }).click();
    const records = page.getByTestId("volunteer-records");
    await records.locator("tbody tr", { hasText: served.title }).getByRole("button", { name: "详情" }).click();
    const drawer = page.getByTestId("record-drawer");
    await drawer.getByText(served.title).waitFor();
    const session = drawer.getByTestId("record-session");
    await session.getByText("工作人员扫码").waitFor();
    await session.getByText("项目结项时签退").waitFor();
    await drawer.getByText(/东门 · 操作人 王\*\*/).waitFor();
    await drawer.getByText("调整时间").waitFor();
    await drawer.getByText("结项时未签退，按现场签到表核定").waitFor();
    await shot(page, "admin-volunteers-record");
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});

test("admin: 区级管理员只看到范围内的志愿者", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-volunteers-district", page, async () => {
    const admin = await adminToken();

    // A fresh volunteer with no district, org or service: out of every
    // district's scope.
    const suffix = Date.now().toString(36);
    const outsider = { idNumber: idNumber("310115", randomBirth()), name: `范围外${suffix}` };
    const citizen = (await rpc("yima.identity.v1.IdentityService/DevLogin", outsider)).token;
    const { volunteer } = await rpc(
      "yima.volunteer.v1.VolunteerService/Register",
      { politicalStatus: "群众", serviceCategories: ["社区服务"] },
      citizen,
    );
    const seen = await rpc("yima.volunteer.v1.VolunteerService/ListVolunteers", { nameContains: outsider.name }, admin);
    assert.equal(seen.volunteers?.length, 1, "admin sees the new volunteer");

    // A 徐汇 department mapped to 徐汇区志愿者协会, with a district admin in it.
    const { orgs } = await rpc("yima.org.v1.OrgService/ListOrgs", { nameContains: XUHUI, pageSize: 50 }, admin);
    const xuhui = orgs.find((o) => o.org.name === XUHUI).org;
    const { departments } = await rpc("yima.rbac.v1.RbacService/ListDepartments", {}, admin);
    const { department } = await rpc(
      "yima.rbac.v1.RbacService/CreateDepartment",
      { parentId: departments[0].id, name: `徐汇区志愿者档案${suffix}`, orgId: xuhui.id },
      admin,
    );
    const { roles } = await rpc("yima.rbac.v1.RbacService/ListRoles", { pageSize: 200 }, admin);
    const district = roles.find((r) => r.key === "district_admin");
    const username = `e2e_vol_${suffix}`;
    await rpc(
      "yima.rbac.v1.RbacService/CreateStaff",
      { username, name: "徐汇区档案员", departmentId: department.id, roleIds: [district.id] },
      admin,
    );
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username });
    const mine = await rpc("yima.volunteer.v1.VolunteerService/ListVolunteers", { nameContains: outsider.name }, token);
    assert.equal(mine.volunteers?.length ?? 0, 0, "the district admin's list leaves the outsider out");

    // In the console: 李晓梅 (hired in 徐汇) is found, the outsider is not.
    await signInWithToken(page, "/admin/volunteer/list", token);
    const table = page.getByTestId("volunteer-table");
    await table.locator("tbody tr").first().waitFor();
    await searchBy(page, "身份证号", LI.idNumber);
    await table.locator("tbody tr", { hasText: LI.name }).waitFor();
    await searchBy(page, "姓名", outsider.name);
    await table.getByText("没有符合条件的志愿者").waitFor();
    await shot(page, "admin-volunteers-district");

    // Nor does the outsider's archive open by URL.
    await page.goto(`${BASE}/admin/volunteer/${volunteer.id}`);
    await page.getByText("该志愿者不在您的管理范围内").waitFor();
    assert.ok(
      problems.every((p) => /permission_denied|403/.test(p)),
      `no console errors but the refused archive: ${problems.join("; ")}`,
    );
  });
  await context.close();
});

test("admin: 志愿者证档案 → 电子证照同步状态 → 档案", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-volunteer-cards", page, async () => {
    const admin = await adminToken();
    const { cards } = await rpc("yima.volunteer.v1.CardService/ListCards", { nameContains: LI.name }, admin);
    const li = cards.find((c) => c.card.idNumberMasked.endsWith(LI.idNumber.slice(-4)));
    assert.ok(li, "李晓梅 holds a card");

    await signInWithToken(page, "/admin/", admin);
    const menu = page.getByTestId("side-menu");
    await menu.getByText("志愿者管理", { exact: true }).click();
    await menu.getByText("志愿者证", { exact: true }).click();
    await page.waitForURL(`${BASE}/admin/volunteer/cards`);
    const table = page.getByTestId("card-table");
    await table.locator("tbody tr").first().waitFor();
    await searchBy(page, "姓名", LI.name);
    const row = table.locator("tbody tr", { hasText: li.card.volunteerNo });
    await row.getByText(li.card.idNumberMasked).waitFor();
    await row.getByText(li.card.issuedOn, { exact: true }).waitFor();
    // The sync state the e-license push has reached, whichever it is.
    const state = { pending: "待同步", synced: "已同步", failed: "同步失败" }[li.sync?.state] ?? "未推送";
    await row.getByText(state).waitFor();
    assert.equal(await row.getByRole("link", { name: "核验" }).getAttribute("href"), li.card.verifyUrl);
    await shot(page, "admin-volunteer-cards");

    // The row opens the holder's archive.
    await row.click();
    await page.waitForURL(`${BASE}/admin/volunteer/${li.card.volunteerId}`);
    await page.getByTestId("volunteer-detail").getByRole("heading", { name: LI.name }).waitFor();
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
