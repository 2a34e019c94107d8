// The console: dev login as admin, the menu-built sidebar, and the role
// page's create and disable.
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

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function devLoginAdmin(page) {
  await page.goto(`${BASE}/admin/`);
  await page.waitForURL(/\/admin\/login/);
  await page.locator('input[name="username"]').fill("admin");
  await page.getByTestId("dev-login").click();
  await page.waitForURL(`${BASE}/admin/`);
}

test("admin: 开发登录 → 侧边栏 → 角色管理 → 新增并停用角色", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-roles", page, async () => {
    await devLoginAdmin(page);
    const menu = page.getByTestId("side-menu");
    await menu.getByText("系统管理").waitFor();
    await menu.getByText("系统管理").click();
    await menu.getByText("角色管理").click();
    await page.waitForURL(`${BASE}/admin/system/role`);

    const table = page.getByTestId("role-table");
    await table.getByText("超级管理员").waitFor();
    assert.ok((await table.getByText("内置").count()) >= 1, "built-in roles are listed");
    await shot(page, "admin-roles");

    const suffix = Date.now().toString(36);
    const name = `测试角色${suffix}`;
    await page.getByTestId("role-add").click();
    const dialog = page.getByTestId("role-dialog");
    await dialog.locator('input[name="role-name"]').fill(name);
    await dialog.locator('input[name="role-key"]').fill(`e2e_${suffix}`);
    // Grant the audit log page: checking it checks its directory too.
    await dialog
      .getByTestId("menu-tree")
      .locator(".el-tree-node", { hasText: "审计日志" })
      .last()
      .locator(".el-checkbox")
      .first()
      .click();
    await shot(page, "admin-role-dialog");
    await page.getByTestId("role-save").click();
    await page.getByText("角色已创建").waitFor();

    const row = table.locator("tr").filter({ has: page.getByText(name, { exact: true }) });
    await row.waitFor();
    await row.getByTestId("role-status").filter({ hasText: "正常" }).waitFor();

    // Edit: the dialog loads the role (GetRole) with its menus and saves it.
    await row.getByRole("button", { name: "修改" }).click();
    await dialog.locator('input[name="role-key"]').and(page.locator("[disabled]")).waitFor();
    await dialog.getByText("已选 2 项").waitFor();
    await dialog.locator("textarea").fill("端到端测试修改");
    await page.getByTestId("role-save").click();
    await page.getByText("角色已保存").waitFor();
    await row.getByText("端到端测试修改").waitFor();

    // Copy: a new role with the same scope and menus.
    await row.getByRole("button", { name: "复制" }).click();
    const copy = page.locator(".el-dialog", { hasText: "复制角色" });
    await copy.getByRole("button", { name: "复制" }).click();
    await page.getByText("角色已复制").waitFor();
    await table.locator("tr", { hasText: `${name}（副本）` }).waitFor();
    await row.getByRole("button", { name: "停用" }).click();
    await page.locator(".el-message-box").getByRole("button", { name: "确定" }).click();
    await row.getByTestId("role-status").filter({ hasText: "停用" }).waitFor();
    await row.getByRole("button", { name: "启用" }).waitFor();
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});

test("admin: 未知路径显示 404，菜单外页面显示 403", { skip: SKIP }, async () => {
  const { page, context } = await openPage(browser, DESKTOP);
  await step("admin-404-403", page, async () => {
    await devLoginAdmin(page);
    await page.goto(`${BASE}/admin/no/such/page`);
    await page.getByTestId("not-found").waitFor();

    // A citizen has no console menus: a console page is forbidden.
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", {
      idNumber: idNumber("310104", randomBirth()),
      name: "测试市民",
    });
    await signInWithToken(page, "/admin/system/role", token);
    await page.getByTestId("forbidden").waitFor();
    assert.match(page.url(), /\/admin\/403/);
  });
  await context.close();
});

test("admin: 其余系统页面可打开", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, DESKTOP);
  await step("admin-pages", page, async () => {
    await devLoginAdmin(page);
    for (const [path, probe] of [
      ["/system/dept", "dept-table"],
      ["/system/user", "staff-table"],
      ["/system/menu", "menu-table"],
      ["/monitor/audit", "audit-table"],
    ]) {
      await page.goto(`${BASE}/admin${path}`);
      await page.getByTestId(probe).waitFor();
      await page.waitForLoadState("networkidle");
      await shot(page, `admin${path.replaceAll("/", "-")}`);
    }
    await page.getByTestId("menu-table").or(page.getByTestId("audit-table")).first().waitFor();
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
