// Measures how fast the volunteer H5's first pages become usable on a slow
// phone: Debian's Chromium (CHROMIUM_PATH or /usr/bin/chromium) through
// playwright-core, a phone's screen and user agent, Chrome DevTools' "Fast
// 3G" network and 4× CPU throttling. loadtest's h5_load scenario runs it
// against a `yima dev --demo` and parses the JSON it prints on stdout.
//
//   node scripts/h5-load.mjs --url http://127.0.0.1:18080 [--runs 10] [--waterfall]
//
// The demo volunteer 李晓梅 signs in once, before any measurement, and the
// browser storage holding her token is reused: every measured load is a
// fresh browser context — an empty HTTP cache, no open connections — that is
// already signed in. Usable is the moment a page marks with
// performance.mark("yima:usable") (packages/shared/src/usable.ts): 我的
// (/h5/) once it shows her service hours, 我的志愿者码 (/h5/code) once the QR
// code of a fresh volunteer code is drawn; its startTime counts from the
// navigation's start. After each load the page's content is checked, so a
// mark in the wrong place fails the run instead of flattering it.
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    runs: { type: "string", default: "10" },
    waterfall: { type: "boolean", default: false },
  },
});
const BASE = (args.url ?? "").replace(/\/+$/, "");
if (!BASE) {
  console.error("usage: node scripts/h5-load.mjs --url http://HOST:PORT [--runs N] [--waterfall]");
  process.exit(2);
}
const RUNS = Number(args.runs);

const VOLUNTEER = { idNumber: "310104199509231421", name: "李晓梅" };
const PAGES = [
  { name: "home", path: "/h5/" },
  { name: "code", path: "/h5/code" },
];

// Chrome DevTools' Fast 3G preset (front_end/core/sdk/NetworkManager.ts):
// 150 ms × 3.75 latency, 1.6 Mbps × 0.9 down, 750 kbps × 0.9 up, in bytes/s.
const FAST_3G = {
  offline: false,
  latency: 150 * 3.75,
  downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9,
  uploadThroughput: ((750 * 1000) / 8) * 0.9,
};
const CPU_THROTTLING = 4;

// A mid-size Android phone, as playwright's Pixel 7 descriptor but 390 px
// wide like the e2e tests' phone.
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  locale: "zh-CN",
  timezoneId: "Asia/Shanghai",
  userAgent:
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
};

async function rpc(method, body, token) {
  const res = await fetch(`${BASE}/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** volunteerToken signs 李晓梅 in and returns a token acting as her volunteer account. */
async function volunteerToken() {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", VOLUNTEER);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === "ACCOUNT_KIND_VOLUNTEER");
  if (!acct) throw new Error(`${VOLUNTEER.name} has no volunteer account: run yima dev --demo`);
  if (acct.active) return token;
  return (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token;
}

/** signedInState signs in the way the sign-in redirect does and returns the browser storage. */
async function signedInState(browser) {
  const token = await volunteerToken();
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(`${BASE}/h5/#token=${encodeURIComponent(token)}`);
  await page.getByTestId("me-hours").waitFor({ timeout: 30_000 });
  const state = await context.storageState();
  await context.close();
  return state;
}

/** expected returns what the pages must show, from the API. */
async function expected(state) {
  const token = state.origins.flatMap((o) => o.localStorage).find((e) => e.name === "yima.token")?.value;
  const center = await rpc("yima.volunteer.v1.VolunteerService/GetMyProfile", {}, token);
  return { hours: String(Math.round((Number(center.stats?.serviceSeconds ?? 0) / 3600) * 10) / 10) };
}

/** check fails when the marked page does not show its key content. */
async function check(page, which, want) {
  if (which === "home") {
    const got = (await page.getByTestId("me-hours").innerText()).trim();
    if (got !== want.hours) throw new Error(`home marked usable showing hours ${got}, want ${want.hours}`);
    return;
  }
  const qr = page.getByTestId("volunteer-qr");
  const payload = (await qr.getAttribute("data-payload")) ?? "";
  const drawn = await qr.evaluate((c) => c instanceof HTMLCanvasElement && c.width > 0);
  // A volunteer code is a compact token of the code service, never blank.
  if (!payload || !drawn) throw new Error("code page marked usable without a drawn volunteer code");
}

/**
 * loadOnce opens a page in a fresh context (cold HTTP cache, new
 * connections) under the phone's network and CPU and returns the time to
 * usable and what it loaded.
 */
async function loadOnce(browser, state, which, path, want) {
  const context = await browser.newContext({ ...PHONE, storageState: state });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  await cdp.send("Network.emulateNetworkConditions", FAST_3G);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_THROTTLING });

  // Encoded (transferred) body sizes by URL, from the network layer.
  const loaded = new Map();
  const byId = new Map();
  cdp.on("Network.responseReceived", (e) => {
    byId.set(e.requestId, {
      url: e.response.url,
      type: e.type,
      encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "",
    });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = byId.get(e.requestId);
    if (r) loaded.set(r.url, { ...r, requestId: e.requestId });
  });

  const problems = [];
  page.on("pageerror", (err) => problems.push(err.message));
  await page.goto(`${BASE}${path}`, { waitUntil: "commit", timeout: 60_000 });
  await page.waitForFunction(() => performance.getEntriesByName("yima:usable").length > 0, null, {
    timeout: 60_000,
    polling: 100,
  });
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return {
      usable: performance.getEntriesByName("yima:usable")[0].startTime,
      resources: [nav, ...performance.getEntriesByType("resource")].map((r) => ({
        name: r.name,
        start: r.startTime,
        responseStart: r.responseStart,
        end: r.responseEnd,
        encoded: r.encodedBodySize,
      })),
    };
  });
  await check(page, which, want);
  if (problems.length) throw new Error(`${path}: ${problems.join("; ")}`);

  // The server gzips what is worth it; a body sent plain is gzipped here
  // (level 9), so the figure is comparable either way.
  const scripts = [];
  for (const r of loaded.values()) {
    if (r.type !== "Script") continue;
    let gz;
    const enc = timing.resources.find((x) => x.name === r.url)?.encoded ?? 0;
    if (/gzip|br/.test(r.encoding)) gz = enc;
    else {
      const { body, base64Encoded } = await cdp.send("Network.getResponseBody", { requestId: r.requestId });
      gz = gzipSync(Buffer.from(body, base64Encoded ? "base64" : "utf8"), { level: 9 }).length;
    }
    scripts.push({ url: r.url, gz, encoding: r.encoding || "identity" });
  }
  await context.close();
  return { page: which, ms: timing.usable, scripts, resources: timing.resources };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const state = await signedInState(browser);
  const want = await expected(state);
  // One unmeasured load of each page first: the server's and the
  // browser's first requests (connection pools, query plans, process
  // start-up) are not what a phone meets on a running service.
  for (const p of PAGES) await loadOnce(browser, state, p.name, p.path, want);
  const samples = { home: [], code: [] };
  const js = new Map();
  for (let i = 0; i < RUNS; i++) {
    for (const p of PAGES) {
      const r = await loadOnce(browser, state, p.name, p.path, want);
      samples[p.name].push(Math.round(r.ms * 10) / 10);
      for (const s of r.scripts) js.set(new URL(s.url).pathname, s);
      console.error(`h5-load: ${p.path} run ${i + 1}/${RUNS}: usable at ${r.ms.toFixed(0)} ms`);
      if (args.waterfall) {
        // start, first byte and end of each request, ms from the navigation's start; bytes as sent
        for (const x of r.resources) {
          console.error(
            `  ${x.start.toFixed(0).padStart(6)} ${x.responseStart.toFixed(0).padStart(6)} ${x.end.toFixed(0).padStart(6)} ${String(x.encoded).padStart(7)}  ${new URL(x.name).pathname}`,
          );
        }
      }
    }
  }
  const jsList = [...js.entries()].map(([path, s]) => ({ path, gz: s.gz, encoding: s.encoding }));
  console.log(
    JSON.stringify({
      cache: "cold",
      network: { preset: "Fast 3G", ...FAST_3G },
      cpu_throttling: CPU_THROTTLING,
      runs: RUNS,
      home_ms: samples.home,
      code_ms: samples.code,
      js_bytes_gz: jsList.reduce((n, s) => n + s.gz, 0),
      js_sized_by: jsList.every((s) => s.encoding !== "identity") ? "transfer" : "transfer+local_gzip",
      js: jsList,
    }),
  );
} finally {
  await browser.close();
}
