// The console's department and user pages: add, rename and delete a
// department; create a staff account in it and assign a role.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, DESKTOP, SKIP, launch, openPage, rpc, signInWithToken, step } from "./helpers.mjs";

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function adminPage() {
  const opened = await openPage(browser, DESKTOP);
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });
  return { ...opened, token };
}

test("admin: 部门新增、修改、删除", { skip: SKIP }, async () => {
  const { page, problems, context, token } = await adminPage();
  await step("admin-dept-crud", page, async () => {
    await signInWithToken(page, "/admin/system/dept", token);
    const table = page.getByTestId("dept-table");
    await table.locator("tbody tr").first().waitFor();

    const name = `测试部门${Date.now().toString(36)}`;
    await page.getByRole("button", { name: "新增部门" }).click();
    const dialog = page.locator(".el-dialog", { hasText: "新增部门" });
    await dialog.getByPlaceholder("如：徐汇区民政局").fill(name);
    await dialog.getByRole("button", { name: "确定" }).click();
    const row = table.locator("tr", { hasText: name });
    await row.waitFor();

    await row.getByRole("button", { name: "修改" }).click();
    const edit = page.locator(".el-dialog", { hasText: "修改部门" });
    await edit.getByPlaceholder("如：徐汇区民政局").fill(`${name}改`);
    await edit.getByRole("button", { name: "确定" }).click();
    const renamed = table.locator("tr", { hasText: `${name}改` });
    await renamed.waitFor();

    await renamed.getByRole("button", { name: "删除" }).click();
    await page.locator(".el-message-box").getByRole("button", { name: "确定" }).click();
    await renamed.waitFor({ state: "detached" });
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test("admin: 新增后台用户并分配角色", { skip: SKIP }, async () => {
  const { page, problems, context, token } = await adminPage();
  await step("admin-staff", page, async () => {
    await signInWithToken(page, "/admin/system/user", token);
    const table = page.getByTestId("staff-table");
    await table.getByText("admin", { exact: true }).waitFor();

    const username = `e2e_${Date.now().toString(36)}`;
    await page.getByRole("button", { name: "新增用户" }).click();
    const dialog = page.locator(".el-dialog", { hasText: "新增用户" });
    await dialog.getByPlaceholder("小写字母、数字、下划线").fill(username);
    await dialog.locator(".el-form-item", { hasText: "姓名" }).locator("input").fill("测试用户");
    await dialog.getByRole("button", { name: "确定" }).click();
    const row = table.locator("tr", { hasText: username });
    await row.waitFor();
    await row.getByText("未分配").waitFor();

    await row.getByRole("button", { name: "分配角色" }).click();
    const assign = page.locator(".el-dialog", { hasText: "分配角色" });
    await assign.getByText("审计员").click();
    await assign.getByRole("button", { name: "确定" }).click();
    await row.getByText("审计员").waitFor();

    // The new user can sign in and sees only what the role grants.
    const staff = await rpc("yima.identity.v1.IdentityService/DevLogin", { username });
    const menus = await rpc("yima.rbac.v1.RbacService/ListMyMenus", {}, staff.token);
    const names = JSON.stringify(menus.menus);
    assert.match(names, /审计日志/);
    assert.doesNotMatch(names, /角色管理/);
    assert.deepEqual(problems, []);
  });
  await context.close();
});
