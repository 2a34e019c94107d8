// The push of volunteer cards to the city e-license library (V1) end to end
// on `yima dev`: a fresh citizen registers, and the console's 电子证照推送 page
// shows the push synced in the outbox and the card, masked, in the dev
// library's register. The fault switch is left alone: it is global, and
// other files register volunteers at the same time (the Go test
// cmd/yima TestElicense covers it and the manual retry).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
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

test("电子证照：新注册志愿者的电子志愿者证推送到开发证照库，后台可见", { skip: SKIP }, async () => {
  const person = { idNumber: idNumber("310106", randomBirth()), name: "证照测试" };
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", person);
  const { volunteer } = await rpc(
    "yima.volunteer.v1.VolunteerService/Register",
    { politicalStatus: "群众", serviceCategories: ["社区服务"] },
    token,
  );
  assert.ok(volunteer.volunteerNo, "registration answers the volunteer number");

  const admin = await openPage(browser, DESKTOP);
  await step("elicense-console", admin.page, async () => {
    const { page } = admin;
    const { token: adminToken } = await rpc("yima.identity.v1.IdentityService/DevLogin", { username: "admin" });
    await signInWithToken(page, "/admin/monitor/dev-elicense", adminToken);
    // The demo's 3,000 cards are issued and pushed at start too: narrow both
    // lists to this volunteer, and give the backlog time (the race detector
    // slows it down).
    const search = page.getByTestId("elicense-volunteer-no");
    await search.fill(volunteer.volunteerNo);
    await search.press("Enter");
    const pushed = page.getByTestId("elicense-outbox-table").locator("tr", { hasText: volunteer.volunteerNo });
    await pushed.filter({ hasText: "已同步" }).waitFor({ timeout: 120_000 });
    assert.match(await pushed.innerText(), /证\*\*/);
    const held = page.getByTestId("dev-elicense-table").locator("tr", { hasText: volunteer.volunteerNo });
    await held.waitFor();
    const text = await held.innerText();
    assert.ok(!text.includes(person.idNumber), "the full ID number is not shown");
    assert.match(text, /dev-zz-/);
    await page.getByTestId("elicense-fault-left").filter({ hasText: "正常接收" }).waitFor();
    await shot(page, "elicense-console");
    assert.deepEqual(admin.problems, []);
  });
  await admin.context.close();
});
