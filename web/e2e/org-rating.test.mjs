// Closed projects in the org portal (O7): 王建国, leader of 徐家汇街道志愿者
// 服务中心, opens 已结项目, picks the demo's closed project, sees its
// positions and the hired volunteers with their hours, rates one volunteer
// and then the whole roster at once; the server holds the ratings.
// Needs `yima dev --demo`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PHONE, SKIP, accountToken, launch, openPage, rpc, shot, signInWithToken, step } from "./helpers.mjs";

const LEADER = { idNumber: "310104197211304510", name: "王建国" };

let browser;
before(async () => {
  if (!SKIP) browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("组织端：已结项目的名单、时长与评价", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("org-rating", page, async () => {
    const token = await accountToken(LEADER, "ACCOUNT_KIND_ORG_LEADER", "徐家汇街道");
    await signInWithToken(page, "/org/", token);
    await page.getByTestId("entry-closed-projects").click();
    await page.locator(".van-nav-bar__title", { hasText: "已结项目" }).waitFor();
    // The demo's closed project, not one that another test made and closed.
    const card = page.getByTestId("closed-project").filter({ hasNotText: "E2E" }).first();
    await card.waitFor();
    const projectId = await card.getAttribute("data-project-id");
    assert.ok(projectId, "the demo has a closed project of 徐家汇街道");
    await card.click();

    await page.getByTestId("closed-project-info").waitFor();
    assert.match(await page.getByTestId("closed-project-info").innerText(), /已结项[\s\S]*徐家汇街道志愿者服务中心/);
    assert.ok((await page.getByTestId("closed-position").count()) >= 1, "positions are listed");
    const rows = page.getByTestId("roster-row");
    await rows.first().waitFor();
    const hired = await rows.count();
    assert.ok(hired >= 2, `the roster has ${hired} volunteers`);
    assert.match(await rows.first().innerText(), /服务/);
    await shot(page, "org-closed-roster");

    // One by one: four stars for punctuality, a comment.
    const first = rows.first();
    const volunteerId = await first.getAttribute("data-volunteer-id");
    await first.getByTestId("roster-rate").click();
    const popup = page.getByTestId("rating-popup");
    await popup.waitFor();
    await popup.getByTestId("rate-punctuality").locator(".van-rate__item").nth(3).click();
    await popup.getByTestId("rate-attitude").locator(".van-rate__item").nth(4).click();
    await popup.getByTestId("rate-skill").locator(".van-rate__item").nth(4).click();
    await popup.getByTestId("rate-comment").locator("textarea").fill("按时到岗，耐心细致");
    await popup.getByTestId("rate-submit").click();
    await first.getByTestId("roster-rating").filter({ hasText: "守时 4" }).waitFor();
    assert.match(await first.getByTestId("roster-rating").innerText(), /态度 5 · 技能 5[\s\S]*按时到岗，耐心细致/);

    // In bulk: everyone on the roster, three stars for skill.
    for (let i = 0; i < hired; i++) await rows.nth(i).getByTestId("roster-pick").click();
    await page
      .getByTestId("rate-bulk")
      .filter({ hasText: `（${hired}）` })
      .click();
    await popup.waitFor();
    await popup.getByTestId("rate-skill").locator(".van-rate__item").nth(2).click();
    await popup.getByTestId("rate-submit").click();
    await page
      .getByTestId("roster-rating")
      .filter({ hasText: "技能 3" })
      .nth(hired - 1)
      .waitFor();
    await shot(page, "org-closed-rated");

    // The server agrees: every hired volunteer is rated, 5/5/3.
    const { entries } = await rpc(
      "yima.project.v1.ProjectService/ListProjectRoster",
      { projectId, pageSize: 200 },
      token,
    );
    assert.equal(entries.length, hired);
    for (const e of entries) {
      assert.deepEqual(
        [e.rating?.punctuality, e.rating?.attitude, e.rating?.skill],
        [5, 5, 3],
        `rating of ${e.volunteerId}`,
      );
    }
    const { summary } = await rpc("yima.project.v1.ProjectService/GetVolunteerRatings", { volunteerId }, token);
    assert.ok(summary.count >= 1 && summary.skill > 0, `summary ${JSON.stringify(summary)}`);
    assert.deepEqual(problems, []);
  });
  await context.close();
});
