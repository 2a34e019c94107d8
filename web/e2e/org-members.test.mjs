// The org portal's members (O2): 王建国, leader of 徐家汇街道志愿者服务中心,
// adds a freshly registered volunteer by ID number and approves another
// one's application to join, through the pages. Needs `yima dev --demo`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PHONE, SKIP, idNumber, launch, openPage, randomBirth, rpc, shot, signInWithToken, step } from "./helpers.mjs";

const LEADER = { idNumber: "310104197211304510", name: "王建国" };

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

// leader signs 王建国 in and returns a token of his org leader account and
// its org.
async function leader() {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", LEADER);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === "ACCOUNT_KIND_ORG_LEADER");
  assert.ok(acct, "王建国 leads an org");
  const switched = acct.active
    ? token
    : (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token;
  return { token: switched, orgId: acct.orgId };
}

// volunteer registers a new citizen as a volunteer and returns their ID
// number, token and volunteer number.
async function volunteer(name) {
  const idNo = idNumber("310104", randomBirth());
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", { idNumber: idNo, name });
  const { volunteer: v } = await rpc(
    "yima.volunteer.v1.VolunteerService/Register",
    { politicalStatus: "群众", serviceCategories: ["社区服务"] },
    token,
  );
  return { idNo, token, no: v.volunteerNo, id: v.id };
}

test("组织端：按身份证号添加成员、审核入会申请", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("org-members", page, async () => {
    const { token, orgId } = await leader();
    const added = await volunteer("成员添加");
    const applicant = await volunteer("申请入会");
    await rpc("yima.org.v1.MemberService/JoinOrg", { orgId }, applicant.token);

    await signInWithToken(page, "/org/", token);
    await page.getByTestId("entry-members").click();
    await page.locator(".van-nav-bar__title", { hasText: "成员管理" }).waitFor();

    // Add by ID number: a wrong check digit is caught on the page first.
    await page.getByTestId("add-member").click();
    const dialog = page.locator(".van-dialog:visible");
    const input = page.getByTestId("add-member-id").locator("input");
    await input.fill(added.idNo.slice(0, 17) + (added.idNo[17] === "0" ? "1" : "0"));
    await page.locator(".van-field__error-message", { hasText: "校验位" }).waitFor();
    await input.fill(added.idNo);
    await dialog.locator(".van-dialog__confirm").click();
    const row = page.getByTestId("member-row").filter({ hasText: added.no });
    await row.waitFor();
    assert.match(await row.innerText(), /成\*\*\*/);
    assert.doesNotMatch(await row.innerText(), new RegExp(added.idNo.slice(6, 14)));
    await shot(page, "org-members-list");

    // Approve the application.
    await page.locator(".van-tab", { hasText: "入会申请" }).click();
    const app = page.getByTestId("application-row").filter({ hasText: applicant.no });
    await app.waitFor();
    await shot(page, "org-members-applications");
    await app.getByTestId("approve-application").click();
    await page.locator(".van-dialog:visible .van-dialog__confirm").click();
    await app.waitFor({ state: "detached" });

    // Both are members now, as the API says.
    const { members } = await rpc("yima.org.v1.MemberService/ListMembers", { orgId, pageSize: 200 }, token);
    const ids = members.map((m) => m.volunteerId);
    assert.ok(ids.includes(added.id), "the added volunteer is a member");
    assert.ok(ids.includes(applicant.id), "the applicant is a member");
    const mine = await rpc("yima.org.v1.MemberService/ListMyMemberships", {}, applicant.token);
    assert.equal(mine.memberships[0]?.status, "MEMBER_STATUS_MEMBER");
    assert.deepEqual(problems, []);
  });
  await context.close();
});
