// Shared set-up of the end-to-end tests: Debian's Chromium driven by
// playwright-core against a running `yima dev` at YIMA_URL.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

/** BASE is the server under test, e.g. http://127.0.0.1:18080; tests skip without it. */
export const BASE = (process.env.YIMA_URL ?? "").replace(/\/+$/, "");
export const SKIP = BASE ? false : "YIMA_URL is not set (e.g. YIMA_URL=http://127.0.0.1:18080)";

const RESULTS = new URL("../test-results/", import.meta.url).pathname;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** launch starts Chromium (CHROMIUM_PATH or /usr/bin/chromium). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
  });
}

/** PHONE is a mid-size phone, for h5, org and scan. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: "zh-CN",
  timezoneId: "Asia/Shanghai",
  userAgent:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
};

/** DESKTOP is a laptop screen, for the console. */
export const DESKTOP = {
  viewport: { width: 1440, height: 900 },
  locale: "zh-CN",
  timezoneId: "Asia/Shanghai",
};

/**
 * openPage opens a page in a fresh context and watches it: console errors
 * and Content-Security-Policy violations are collected in `problems`, so a
 * test can assert the pages run clean under the server's CSP.
 */
export async function openPage(browser, contextOptions) {
  const context = await browser.newContext(contextOptions);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    const text = msg.text();
    if (msg.type() === "error" || /Content Security Policy|Refused to/.test(text)) problems.push(text);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return { context, page, problems };
}

/**
 * step runs a test body and, when it fails, saves a full-page screenshot to
 * web/test-results/<name>.png before passing the failure on.
 */
export async function step(name, page, fn) {
  try {
    await fn();
  } catch (err) {
    try {
      mkdirSync(RESULTS, { recursive: true });
      const file = `${RESULTS}${name.replace(/[^\w\u4e00-\u9fa5-]+/g, "_")}.png`;
      await page.screenshot({ path: file, fullPage: true });
      err.message += `\n  screenshot: ${file}`;
    } catch {
      // the page may be gone; the original failure matters more
    }
    throw err;
  }
}

/** shot saves a screenshot on purpose (visual checks), under test-results/. */
export async function shot(page, name) {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: `${RESULTS}${name}.png`, fullPage: true });
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/**
 * idNumber makes a GB 11643 resident ID number: region, birth date
 * (YYYYMMDD), a three-digit sequence and the MOD 11-2 check character.
 */
export function idNumber(region = "310104", birth = "19900101", seq) {
  const s = seq ?? String(Math.floor(Math.random() * 1000)).padStart(3, "0");
  const first17 = `${region}${birth}${s}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return first17 + CHECK[sum % 11];
}

/** randomBirth returns a birth date between 1960 and 2000 as YYYYMMDD. */
export function randomBirth() {
  const y = 1960 + Math.floor(Math.random() * 40);
  const m = 1 + Math.floor(Math.random() * 12);
  const d = 1 + Math.floor(Math.random() * 28);
  return `${y}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}`;
}

/** rpc calls a Connect method with JSON, as the pages do. */
export async function rpc(method, body = {}, token) {
  const res = await fetch(`${BASE}/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** signInWithToken stores a token the way the sign-in redirect does, then opens path. */
export async function signInWithToken(page, path, token) {
  // A change of fragment alone would not load the page again.
  await page.goto("about:blank");
  await page.goto(`${BASE}${path}#token=${encodeURIComponent(token)}`);
}

/** MULTI is a demo citizen with several accounts (yima dev --demo): 陈思远. */
export const MULTI = {
  idNumber: process.env.YIMA_E2E_MULTI_ID ?? "310104198605121236",
  name: process.env.YIMA_E2E_MULTI_NAME ?? "陈思远",
};

/**
 * accountToken signs in a person (DevLogin input) and returns a token acting
 * as their account of kind ("ACCOUNT_KIND_ORG_LEADER" …) whose display name
 * starts with orgName, when given.
 */
export async function accountToken(person, kind, orgName) {
  const { token } = await rpc("yima.identity.v1.IdentityService/DevLogin", person);
  const { accounts } = await rpc("yima.identity.v1.IdentityService/ListAccounts", {}, token);
  const acct = accounts.find((a) => a.kind === kind && (!orgName || a.displayName.startsWith(orgName)));
  if (!acct) throw new Error(`${person.name} has no ${kind} account${orgName ? ` of ${orgName}` : ""}`);
  if (acct.active) return token;
  return (await rpc("yima.identity.v1.IdentityService/SwitchAccount", { accountId: acct.id }, token)).token;
}
