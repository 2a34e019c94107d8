// Words and small helpers of check-in, shared by the scanner and the
// volunteer pages.

/**
 * SCAN_REASON_TEXT translates the reason of a rejected scan (an answer, not
 * an error: ScanResponse.reason) for the people at the gate.
 */
export const SCAN_REASON_TEXT: Readonly<Record<string, string>> = {
  CODE_INVALID: "二维码无效",
  CODE_EXPIRED: "二维码已过期",
  CODE_REVOKED: "二维码已作废",
  NOT_ON_ROSTER: "不在录用名单",
  OUTSIDE_WINDOW: "不在签到时间内",
  METHOD_NOT_ALLOWED: "该岗位不支持此签到方式",
  TOO_FAR: "距离项目地点过远",
  LOCATION_REQUIRED: "需要开启定位后签到",
  PROJECT_NOT_OPEN: "项目未在进行中",
  PROJECT_MISMATCH: "不是本项目的二维码",
  DEVICE_UNKNOWN: "扫码设备未登记",
  DEVICE_REVOKED: "扫码设备已停用",
  DEVICE_OTHER_ORG: "扫码设备不属于本组织",
};

/** scanReasonText names a rejection reason, falling back to the code itself. */
export function scanReasonText(reason: string | undefined): string {
  if (!reason) return "签到未成功";
  return SCAN_REASON_TEXT[reason] ?? `签到未成功（${reason}）`;
}

/** formatDuration renders seconds as "1小时5分" ("不足1分钟" under a minute). */
export function formatDuration(seconds: number | bigint | undefined): string {
  const s = Number(seconds ?? 0);
  if (!Number.isFinite(s) || s < 60) return "不足1分钟";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h === 0) return `${m}分钟`;
  return m === 0 ? `${h}小时` : `${h}小时${m}分`;
}

/** formatClock renders a date as "09:05" (local time), "" when unset. */
export function formatClock(d: Date | string | undefined): string {
  if (!d) return "";
  const t = typeof d === "string" ? new Date(d) : d;
  if (Number.isNaN(t.getTime())) return "";
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/**
 * newScanId returns a fresh client scan id: the server answers a retry with
 * the same id with the first answer, so every scan gets one before its
 * first attempt and keeps it across retries and offline uploads.
 */
export function newScanId(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Old WebViews: a random v4 UUID from getRandomValues.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Code payload prefixes (engine/codes): volunteer, project, org. */
export const CODE_PREFIX = { volunteer: "YV", project: "YP", org: "YO" } as const;

/** codeKind tells which kind of yima code a scanned text is, if any. */
export function codeKind(text: string): "volunteer" | "project" | "org" | undefined {
  const t = text.trim().toUpperCase();
  if (t.startsWith(CODE_PREFIX.volunteer)) return "volunteer";
  if (t.startsWith(CODE_PREFIX.project)) return "project";
  if (t.startsWith(CODE_PREFIX.org)) return "org";
  return undefined;
}
