// Org logos (V4): 王建国, leader of 徐家汇街道志愿者服务中心, uploads a logo on
// the org portal's 组织信息 page; anyone loads it from its public URL, which
// revalidates with its ETag, and sees it on the org's public H5 page; he
// removes it again, and the URL answers 404.
import assert from "node:assert/strict";
import { deflateSync, crc32 } from "node:zlib";
import { after, before, test } from "node:test";
import { BASE, PHONE, SKIP, accountToken, launch, openPage, rpc, signInWithToken, step } from "./helpers.mjs";

const LEADER = { idNumber: "310104197211304510", name: "王建国" };
const ORG = "徐家汇街道志愿者服务中心";

// png encodes a w×h RGB gradient: the test needs a real image, not a fixture.
function png(w, h) {
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3); // filter byte 0, then RGB
    for (let x = 0; x < w; x++) row.set([(x * 255) / w, (y * 255) / h, 160], 1 + x * 3);
    rows.push(row);
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

let browser;
let token;
let orgId;
before(async () => {
  if (SKIP) return;
  browser = await launch();
  token = await accountToken(LEADER, "ACCOUNT_KIND_ORG_LEADER", ORG);
  const { orgs } = await rpc("yima.org.v1.OrgDiscoveryService/SearchOrgs", { nameContains: ORG });
  orgId = orgs.find((o) => o.name === ORG)?.id;
  assert.ok(orgId, `${ORG} has a public page`);
});
after(async () => {
  await browser?.close();
});

test("组织标志: 负责人在组织信息页上传标志，公开地址可缓存，H5 组织主页显示，移除后 404", { skip: SKIP }, async () => {
  const { page, problems, context } = await openPage(browser, PHONE);
  await step("org-logo", page, async () => {
    await signInWithToken(page, "/org/profile", token);
    await page.getByTestId("org-detail-name").filter({ hasText: ORG }).waitFor();
    await page
      .getByTestId("org-logo-upload")
      .locator('input[type="file"]')
      .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png(96, 64) });
    await page.getByText("标志已更新").waitFor();
    const img = page.getByTestId("org-detail").getByTestId("org-logo");
    await img.waitFor();
    const src = await img.getAttribute("src");
    assert.match(src, new RegExp(`^/logos/org/${orgId}\\.png\\?v=[0-9a-f]{16}$`));
    assert.ok(await img.evaluate((e) => e.complete && e.naturalWidth === 96), "the logo loads at the size sent");

    // Public, cacheable: the versioned URL for a year, revalidation by ETag.
    const res = await fetch(`${BASE}${src}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.match(res.headers.get("cache-control"), /immutable/);
    const etag = res.headers.get("etag");
    assert.ok(etag, "an ETag");
    const again = await fetch(`${BASE}${src}`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    const { org } = await rpc("yima.org.v1.OrgDiscoveryService/GetPublicOrg", { orgId });
    assert.equal(org.logoUrl, src, "the public page's logo_url");

    // The org's public H5 page shows it, when that page shows logos.
    await page.goto(`${BASE}/h5/orgs/${orgId}`);
    await page.getByText(ORG).first().waitFor();
    const h5Logo = page.locator(`img[src="${src}"]`);
    await h5Logo.first().waitFor();

    // Removed again: the demo keeps no logo, and the URL is gone.
    await page.goto(`${BASE}/org/profile`);
    await page.getByTestId("org-logo-remove").click();
    await page.locator(".van-dialog").getByRole("button", { name: "确认" }).click();
    await page.getByText("标志已移除").waitFor();
    assert.equal(await page.getByTestId("org-detail").getByTestId("org-logo").count(), 0);
    assert.equal((await fetch(`${BASE}${src}`)).status, 404);
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
  await context.close();
});
