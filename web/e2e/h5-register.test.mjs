// Volunteer registration in the H5 (V1, V2): a citizen new to the platform
// signs in, is offered 注册成为志愿者 on 我的, finds name, ID number and phone
// taken from the city identity and not editable, picks a political status
// and categories, agrees to the pledge and registers; the same session then
// acts as the volunteer, with a volunteer number and a live code. A second
// citizen who wanted to sign up for a project is led to registration from
// the project and comes back to it. Each test registers a fresh person, so
// runs against the same server do not meet. Needs `yima dev --demo`.
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
  shot,
  signInWithToken,
  step,
} from "./helpers.mjs";

const LEADER = { idNumber: "310104197211304510", name: "王建国" }; // leads 徐家汇街道志愿者服务中心, no volunteer

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** devLogin signs in through the sign-in page's dev form and waits to leave it. */
async function devLogin(page, person) {
  await page.waitForURL(/\/h5\/login/);
  await page.locator('input[name="id_number"]').fill(person.idNumber);
  await page.locator('input[name="name"]').fill(person.name);
  await page.getByRole("button", { name: "开发登录" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/h5/login"));
}

/** register fills the registration form and submits it. */
async function register(page, political, categories) {
  const submit = page.getByTestId("register-submit");
  await submit.waitFor();
  assert.ok(await submit.isDisabled(), "nothing chosen yet: the button waits");
  await page.getByTestId("register-political").getByText(political, { exact: true }).click();
  for (const c of categories) await page.getByTestId("register-categories").getByText(c, { exact: true }).click();
  await page.getByTestId("register-pledge-text").filter({ hasText: "志愿" }).waitFor();
  await page.getByTestId("register-agree").click();
  await submit.click();
}

test("h5 注册志愿者：新市民登录 → 注册成为志愿者 → 实名信息只读 → 注册成功有编号 → 亮码", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  const person = { idNumber: idNumber("310104", randomBirth()), name: "注册测试" };
  await step("h5-register", page, async () => {
    await page.goto(`${BASE}/h5/`);
    await devLogin(page, person);
    await page.getByTestId("person-name").filter({ hasText: person.name }).waitFor();
    await page.getByTestId("active-account").filter({ hasText: "市民" }).waitFor();
    assert.equal(await page.getByTestId("open-my-code").count(), 0, "no volunteer items for a citizen");
    await page.getByTestId("register-cta").waitFor();
    await shot(page, "h5-register-cta");

    // 我的志愿者码 has nothing to show yet and leads to registration too.
    await page.goto(`${BASE}/h5/code`);
    await page.getByTestId("not-volunteer").waitFor();
    await page.getByTestId("not-volunteer").getByTestId("open-register").click();
    await page.waitForURL(/\/h5\/register\?redirect=(%2F|\/)code$/);
    await page.goto(`${BASE}/h5/`);

    await page.getByTestId("open-register").click();
    await page.waitForURL(/\/h5\/register$/);
    // Name, ID number and phone come from the identity provider, shown only.
    await page.getByTestId("register-name").filter({ hasText: person.name }).waitFor();
    const id = (await page.getByTestId("register-id").innerText()).trim();
    assert.match(id, /\*/, "the ID number is masked");
    assert.ok(!id.includes(person.idNumber), "the full ID number is not shown");
    assert.ok(id.endsWith(person.idNumber.slice(-1)), `masked ${id} ends like ${person.idNumber}`);
    await page.getByTestId("register-phone").waitFor();
    for (const f of ["register-name", "register-id", "register-phone"]) {
      assert.equal(await page.getByTestId(f).locator("input, textarea").count(), 0, `${f} is not editable`);
    }
    await shot(page, "h5-register-form");
    await register(page, "共青团员", ["社区服务", "助老助残"]);

    // On to the e-certificate, as the volunteer.
    await page.waitForURL(/\/h5\/me\/card$/);
    const token = await page.evaluate(() => localStorage.getItem("yima.token"));
    const { volunteer } = await rpc("yima.volunteer.v1.VolunteerService/GetMyVolunteer", {}, token);
    assert.equal(volunteer.name, person.name);
    assert.equal(volunteer.politicalStatus, "共青团员");
    assert.deepEqual(volunteer.serviceCategories, ["社区服务", "助老助残"]);
    assert.match(volunteer.volunteerNo, /^SH\d{10}$/);

    await page.goto(`${BASE}/h5/`);
    await page.getByTestId("active-account").filter({ hasText: "志愿者" }).waitFor();
    await page.getByTestId("me-volunteer-no").filter({ hasText: volunteer.volunteerNo }).waitFor();
    assert.equal(await page.getByTestId("register-cta").count(), 0, "no call to register any more");
    await shot(page, "h5-register-done");

    // 我的志愿者码 shows a live code.
    await page.getByTestId("open-my-code").click();
    await page.waitForURL(/\/h5\/code$/);
    const qr = page.getByTestId("volunteer-qr");
    await qr.waitFor();
    assert.ok((await qr.getAttribute("data-payload"))?.length > 10, "the code carries a payload");

    // Registering twice is refused in Chinese; the page says they are one already.
    await page.goto(`${BASE}/h5/register`);
    await page.getByTestId("register-done").filter({ hasText: "您已是上海市注册志愿者" }).waitFor();
    await assert.rejects(
      rpc(
        "yima.volunteer.v1.VolunteerService/Register",
        { politicalStatus: "群众", serviceCategories: ["社区服务"] },
        token,
      ),
      /ALREADY_VOLUNTEER|already_exists/,
    );
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});

test("h5 注册志愿者：想报名项目的市民从项目页去注册，注册后回到项目", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  const person = { idNumber: idNumber("310105", randomBirth()), name: "报名测试" };
  await step("h5-register-from-project", page, async () => {
    let target;
    let pageToken = "";
    do {
      const res = await rpc("yima.project.v1.DiscoveryService/SearchProjects", {
        hasFreePlaces: true,
        pageSize: 50,
        pageToken,
      });
      target = (res.projects ?? []).find((p) => p.stage === "PROJECT_STAGE_RECRUITING");
      pageToken = res.nextPageToken ?? "";
    } while (!target && pageToken);
    assert.ok(target, "the demo has a recruiting project with free places");
    const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", person);
    await page.goto("about:blank");
    await page.goto(`${BASE}/h5/projects/${target.id}#token=${encodeURIComponent(token)}`);
    await page.getByTestId("project-title").filter({ hasText: target.title }).waitFor();

    await page.getByTestId("position-signup").first().click();
    await page.locator(".van-dialog").getByRole("button", { name: "报名", exact: true }).click();
    await page.getByTestId("signup-notice").filter({ hasText: "您还不是注册志愿者" }).waitFor();
    await page.getByTestId("signup-register").click();
    await page.waitForURL(/\/h5\/register\?redirect=/);
    await register(page, "群众", ["文明交通"]);

    // Back on the project, now able to sign up.
    await page.waitForURL(new RegExp(`/h5/projects/${target.id}$`));
    await page.getByTestId("project-title").filter({ hasText: target.title }).waitFor();
    await page.getByTestId("position-signup").first().waitFor();
    assert.equal(await page.getByTestId("signup-notice").count(), 0);
    assert.deepEqual(
      problems.filter((p) => !/status of 403|permission_denied/i.test(p)),
      [],
      "no console errors besides the refused sign-up",
    );
  });
  await context.close();
});

test("h5 我的：组织负责人身份看到组织管理端入口和切换账号，切到市民后看到注册志愿者", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("h5-me-org-account", page, async () => {
    const token = await accountToken(LEADER, "ACCOUNT_KIND_ORG_LEADER");
    await signInWithToken(page, "/h5/", token);
    await page.getByTestId("active-account").filter({ hasText: "组织负责人" }).waitFor();
    const portal = page.getByTestId("open-portal");
    await portal.filter({ hasText: "进入组织管理端" }).waitFor();
    assert.equal(await page.getByTestId("open-my-code").count(), 0, "no volunteer items for an org account");
    assert.equal(await page.getByTestId("register-cta").count(), 0);
    await shot(page, "h5-me-org-account");

    await page.getByTestId("portal-switch").click();
    await page.locator(".van-action-sheet__item", { hasText: "市民" }).click();
    await page.getByTestId("active-account").filter({ hasText: "市民" }).waitFor();
    await page.getByTestId("register-cta").waitFor();
    assert.equal(await page.getByTestId("me-portal").count(), 0);
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
