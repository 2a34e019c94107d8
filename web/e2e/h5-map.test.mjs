// The 找项目 map (V3): near 徐家汇, a visitor switches the list to the map,
// which loads only then; it draws Shanghai's 16 district outlines, a marker
// per project of the search and her position; a marker's popup names the
// project, its org, places and distance and links to its detail, and 返回
// finds the map again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, PHONE, SKIP, launch, openPage, rpc, step } from "./helpers.mjs";

const XUJIAHUI = { latitude: 31.1946, longitude: 121.437 };
const MAP_MAX = 100; // ProjectSearchView's bound on the map's results

let browser;
let results; // the search the page makes, as the API answers it
before(async () => {
  if (SKIP) return;
  browser = await launch();
  results = [];
  let pageToken = "";
  do {
    const res = await rpc("yima.project.v1.DiscoveryService/SearchProjects", {
      location: { lat: XUJIAHUI.latitude, lng: XUJIAHUI.longitude },
      pageSize: 50,
      pageToken,
    });
    results.push(...(res.projects ?? []));
    pageToken = res.nextPageToken ?? "";
  } while (pageToken && results.length < MAP_MAX);
  results = results.slice(0, MAP_MAX);
  assert.ok(results.length >= 2, "the demo has projects to find near 徐家汇");
});
after(async () => {
  await browser?.close();
});

test(
  "h5 找项目地图: 切换到地图，16 个区的轮廓、每个项目一个标记，点标记看到项目并打开详情",
  { skip: SKIP },
  async () => {
    const { page, problems, context } = await openPage(browser, {
      ...PHONE,
      geolocation: XUJIAHUI,
      permissions: ["geolocation"],
    });
    const mapChunks = [];
    page.on("request", (req) => {
      if (/\/assets\/(ProjectMap|leaflet)[^/]*\.(js|css)$/.test(req.url())) mapChunks.push(req.url());
    });
    await step("h5-map", page, async () => {
      await page.goto(`${BASE}/h5/projects`);
      await page.getByTestId("discover-origin").filter({ hasText: "已按您的位置计算距离" }).waitFor();
      await page.getByTestId("discover-card").first().waitFor();
      assert.deepEqual(mapChunks, [], "the list does not load the map");

      await page.getByTestId("view-map").click();
      await page.waitForURL(/\/h5\/projects\?view=map$/);
      const map = page.getByTestId("project-map");
      await map.locator("path.district").first().waitFor();
      assert.ok(mapChunks.length > 0, "the map's code loads when the map opens");
      assert.equal(await map.locator("path.district").count(), 16, "the 16 districts are outlined");

      // Every result with a place gets a marker, once the map has fetched them all.
      const placed = results.filter((p) => p.location);
      await page
        .getByTestId("map-count")
        .filter({ hasText: `共 ${results.length} 个项目` })
        .waitFor();
      const ids = await map.locator("path.project-marker").evaluateAll((els) => els.map((e) => e.dataset.projectId));
      assert.deepEqual([...ids].sort(), placed.map((p) => p.id).sort(), "one marker per project found");
      assert.equal(await map.locator("path.me-marker").count(), 1, "her position is shown");

      // The nearest project's popup. Markers may overlap on a phone screen, so
      // the click goes to the marker itself, as a tap on it would.
      const target = placed[0];
      await map.locator(`path.project-marker[data-project-id="${target.id}"]`).dispatchEvent("click");
      const popup = page.getByTestId("map-popup");
      await popup.filter({ hasText: target.title }).waitFor();
      const text = await popup.innerText();
      assert.ok(text.includes(target.orgName), "the popup names the org");
      assert.ok(text.includes(`名额 ${target.placesFilled ?? 0}/${target.placesTotal}`), `places shown: ${text}`);
      assert.match(text, /距您 [\d.]+ (km|m)/, "the distance is shown");
      const link = popup.getByTestId("map-popup-link");
      assert.equal(await link.getAttribute("href"), `/h5/projects/${target.id}`);

      await link.click();
      await page.waitForURL(new RegExp(`/h5/projects/${target.id}$`));
      await page.getByTestId("project-title").filter({ hasText: target.title }).waitFor();
      await page.goBack();
      await page.waitForURL(/\/h5\/projects\?view=map$/);
      await map.locator("path.district").first().waitFor();

      await page.getByTestId("view-list").click();
      await page.getByTestId("discover-card").first().waitFor();
      assert.deepEqual(problems, [], "no console errors or CSP violations");
    });
    await context.close();
  },
);
