// The console's org and project pages (S2, S3, S6, S7): a citizen applies
// for an org under 徐汇区志愿者协会 and admin admits it on 组织审核, finds it on
// 组织信息; its leader submits a project and admin approves it on 项目审核,
// then finds it on 项目信息. A district admin sees only its district.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE,
  DESKTOP,
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

const XUHUI = "徐汇区志愿者协会";
const HUANGPU = "黄浦区志愿者协会";

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

/** orgNamed finds an org by its exact name among those admin sees. */
async function orgNamed(token, name) {
  const { orgs = [] } = await rpc("yima.org.v1.OrgService/ListOrgs", { nameContains: name, pageSize: 50 }, token);
  const s = orgs.find((o) => o.org.name === name);
  assert.ok(s, `org ${name} exists`);
  return s.org;
}

/** leaderToken signs a person in and switches to their org leader account of org. */
async function leaderToken(person, orgId) {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", person);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === "ACCOUNT_KIND_ORG_LEADER" && a.orgId === orgId);
  assert.ok(acct, "the registrant leads the admitted org");
  if (acct.active) return token;
  return (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token;
}

/** confirmBox accepts the open Element Plus message box. */
async function confirmBox(page) {
  await page.locator(".el-message-box").getByRole("button", { name: "确定" }).click();
}

test("admin: 组织审核通过 → 组织信息 → 项目审核通过 → 项目信息", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-org-review", page, async () => {
    const admin = await adminToken();
    const xuhui = await orgNamed(admin, XUHUI);

    // A fresh citizen applies for an org under 徐汇区志愿者协会.
    const suffix = Date.now().toString(36);
    const orgName = `E2E测试志愿服务队${suffix}`;
    const person = { idNumber: idNumber("310104", randomBirth()), name: "测试队长" };
    const citizen = (await rpc("yima.identity.v1.IdentityService/DevLogin", person)).token;
    const { org } = await rpc(
      "yima.org.v1.OrgService/RegisterOrg",
      {
        name: orgName,
        parentOrgId: xuhui.id,
        supervisingUnit: "徐汇区民政局",
        address: "上海市徐汇区漕溪北路1200号",
        location: { lat: 31.1885, lng: 121.4365 },
        serviceCategories: ["社区服务"],
      },
      citizen,
    );
    assert.equal(org.status, "ORG_STATUS_PENDING");

    // Admin signs in to the console and opens 组织审核 from the sidebar.
    await page.goto(`${BASE}/admin/`);
    await page.waitForURL(/\/admin\/login/);
    await page.locator('input[name="username"]').fill("admin");
    await page.getByTestId("dev-login").click();
    await page.waitForURL(`${BASE}/admin/`);
    const menu = page.getByTestId("side-menu");
    await menu.getByText("组织管理", { exact: true }).click();
    await menu.getByText("组织审核", { exact: true }).click();
    await page.waitForURL(`${BASE}/admin/org/review`);

    const reviews = page.getByTestId("org-review-table");
    await page.getByTestId("org-review-search").fill(orgName);
    await page.getByTestId("org-review-search").press("Enter");
    const row = reviews.locator("tbody tr", { hasText: orgName });
    await row.waitFor();
    await row.getByText(XUHUI).waitFor(); // the parent it applied to
    await shot(page, "admin-org-review");

    // The detail drawer admits it.
    await row.getByRole("button", { name: orgName }).click();
    const drawer = page.getByTestId("org-drawer");
    await drawer.getByTestId("org-status").filter({ hasText: "待审核" }).waitFor();
    await drawer.getByText("徐汇区民政局").waitFor();
    await drawer.getByTestId("org-approve").click();
    await confirmBox(page);
    await page.getByText("已通过审核").waitFor();
    await drawer.getByTestId("org-status").filter({ hasText: "正常" }).waitFor();
    await drawer.getByRole("tab", { name: "状态记录" }).click();
    await drawer.getByTestId("org-history").getByText("正常").first().waitFor();
    await page.keyboard.press("Escape");
    await row.waitFor({ state: "detached" }); // no longer pending

    // 组织信息: the tree starts at the city root; the org is listed as active.
    await menu.getByText("组织信息", { exact: true }).click();
    await page.waitForURL(`${BASE}/admin/org/info`);
    await page.getByTestId("org-tree").getByText("上海市志愿者协会").waitFor();
    await page.getByTestId("org-search").fill(orgName);
    await page.getByTestId("org-search").press("Enter");
    const info = page.getByTestId("org-table").locator("tbody tr", { hasText: orgName });
    await info.getByText("正常").waitFor();
    await shot(page, "admin-org-info");

    // Its leader drafts and submits a project; admin approves it on 项目审核.
    const leader = await leaderToken(person, org.id);
    const day = 24 * 3600 * 1000;
    const title = `E2E社区环境清洁${suffix}`;
    const { project } = await rpc(
      "yima.project.v1.ProjectService/CreateProject",
      {
        orgId: org.id,
        title,
        description: "清理小区公共区域，分类投放垃圾。",
        startTime: new Date(Date.now() + 3 * day).toISOString(),
        endTime: new Date(Date.now() + 3 * day + 4 * 3600 * 1000).toISOString(),
        address: "上海市徐汇区漕溪北路1200号",
        location: { lat: 31.1885, lng: 121.4365 },
        serviceCategories: ["环境保护"],
        positions: [
          { name: "清洁员", quota: 8 },
          { name: "引导员", quota: 2, signInMethods: ["SIGN_IN_METHOD_SELF_SCAN"] },
        ],
      },
      leader,
    );
    await rpc("yima.project.v1.ProjectService/SubmitProject", { projectId: project.id }, leader);

    await menu.getByText("项目管理", { exact: true }).click();
    await menu.getByText("项目审核", { exact: true }).click();
    await page.waitForURL(`${BASE}/admin/project/review`);
    await page.getByTestId("project-review-search").fill(title);
    await page.getByTestId("project-review-search").press("Enter");
    const prow = page.getByTestId("project-review-table").locator("tbody tr", { hasText: title });
    await prow.getByText(orgName).waitFor();
    await shot(page, "admin-project-review");
    await prow.getByRole("button", { name: title }).click();
    const pdrawer = page.getByTestId("project-drawer");
    await pdrawer.getByTestId("project-positions").getByText("引导员").waitFor();
    await pdrawer.getByTestId("project-approve").click();
    await confirmBox(page);
    await page.getByText("项目已通过审核").waitFor();
    await pdrawer.getByTestId("project-status").filter({ hasText: "招募中" }).waitFor();
    await page.keyboard.press("Escape");
    await prow.waitFor({ state: "detached" });

    // 项目信息 lists it with its org and 0 of 10 hired.
    await menu.getByText("项目信息", { exact: true }).click();
    await page.waitForURL(`${BASE}/admin/project/info`);
    await page.getByTestId("project-search").fill(title);
    await page.getByTestId("project-search").press("Enter");
    const irow = page.getByTestId("project-table").locator("tbody tr", { hasText: title });
    await irow.getByText(orgName).waitFor();
    await irow.getByText("0 / 10").waitFor();
    await irow.getByRole("button", { name: "签到码" }).click();
    // The code tab shows the check-in code (a ticketed PNG) with its links.
    const qr = pdrawer.getByTestId("project-code").locator("img");
    await qr.waitFor();
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await qr.elementHandle());
    await pdrawer.getByTestId("code-print").and(page.locator('[href*="/print?ticket="]')).waitFor();
    await shot(page, "admin-project-info");
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});

test("admin: 区级管理员只看到本区的组织与项目", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-org-district", page, async () => {
    const admin = await adminToken();
    const xuhui = await orgNamed(admin, XUHUI);
    const huangpu = await orgNamed(admin, HUANGPU);

    // A 徐汇 department mapped to 徐汇区志愿者协会, with a district admin in it.
    const suffix = Date.now().toString(36);
    const { departments } = await rpc("yima.rbac.v1.RbacService/ListDepartments", {}, admin);
    const { department } = await rpc(
      "yima.rbac.v1.RbacService/CreateDepartment",
      { parentId: departments[0].id, name: `徐汇区民政局${suffix}`, orgId: xuhui.id },
      admin,
    );
    const { roles } = await rpc("yima.rbac.v1.RbacService/ListRoles", { pageSize: 200 }, admin);
    const district = roles.find((r) => r.key === "district_admin");
    const username = `e2e_xh_${suffix}`;
    await rpc(
      "yima.rbac.v1.RbacService/CreateStaff",
      { username, name: "徐汇区管理员", departmentId: department.id, roleIds: [district.id] },
      admin,
    );
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username });

    // The district admin's menus hold the four pages.
    const names = JSON.stringify((await rpc("yima.rbac.v1.RbacService/ListMyMenus", {}, token)).menus);
    for (const page of ["组织审核", "组织信息", "项目审核", "项目信息"]) assert.match(names, new RegExp(page));

    // Orgs and projects of another district are out of its scope.
    const other = await rpc("yima.org.v1.OrgService/ListOrgs", { nameContains: HUANGPU }, token);
    assert.equal(other.orgs?.length ?? 0, 0, "黄浦 is not listed to the 徐汇 admin");
    const mine = await rpc("yima.project.v1.ProjectService/ListProjects", { pageSize: 200 }, token);
    const theirs = await rpc(
      "yima.project.v1.ProjectService/ListProjects",
      { orgId: huangpu.id, pageSize: 200 },
      admin,
    );
    const mineIds = new Set((mine.projects ?? []).map((p) => p.id));
    const filtered = await rpc("yima.project.v1.ProjectService/ListProjects", { orgId: huangpu.id }, token);
    assert.equal(filtered.projects?.length ?? 0, 0, "asking for 黄浦's projects gives the 徐汇 admin none");
    assert.ok((theirs.projects ?? []).length > 0, "黄浦 has projects");
    assert.ok(
      (theirs.projects ?? []).every((p) => !mineIds.has(p.id)),
      "no 黄浦 project is listed to the 徐汇 admin",
    );

    // In the console, the tree starts at 徐汇区志愿者协会, and 黄浦 is not found.
    await signInWithToken(page, "/admin/org/info", token);
    const tree = page.getByTestId("org-tree");
    await tree.getByText(XUHUI).waitFor();
    assert.equal(await tree.getByText("上海市志愿者协会").count(), 0, "the city root is above the district admin");
    await page.getByTestId("org-search").fill("黄浦");
    await page.getByTestId("org-search").press("Enter");
    await page.getByTestId("org-table").getByText("没有符合条件的组织").waitFor();
    await shot(page, "admin-org-district");
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
