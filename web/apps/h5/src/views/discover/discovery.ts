// Shared pieces of the discovery pages (V3): the caller's position, date
// ranges in Shanghai time and the words of a project card.
import { timestampDate, timestampFromDate, type PublicProject, type Timestamp } from "@yima/api";
import { inShanghai, type LatLng } from "@yima/shared";

// The districts live in @yima/shared: the console filters by them too.
export { DISTRICTS, districtName, type LatLng } from "@yima/shared";

const POSITION_KEY = "yima.h5.position";

/** lastPosition is the position the list page got last in this tab, if any. */
export function lastPosition(): LatLng | undefined {
  try {
    const v = JSON.parse(sessionStorage.getItem(POSITION_KEY) ?? "null") as LatLng | null;
    return v && inShanghai(v.lat, v.lng) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * locate asks the browser for the caller's position; undefined when refused,
 * unavailable, slow or outside Shanghai (the server takes only points in its
 * service area).
 */
export function locate(timeoutMs = 6000): Promise<LatLng | undefined> {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) return resolve(undefined);
    const timer = window.setTimeout(() => resolve(undefined), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        window.clearTimeout(timer);
        const at = { lat: p.coords.latitude, lng: p.coords.longitude };
        if (!inShanghai(at.lat, at.lng)) return resolve(undefined);
        sessionStorage.setItem(POSITION_KEY, JSON.stringify(at));
        resolve(at);
      },
      () => {
        window.clearTimeout(timer);
        resolve(undefined);
      },
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 5 * 60_000 },
    );
  });
}

/**
 * positionIfAllowed returns the caller's position without prompting: the
 * one of this tab, or a fresh one when the permission is granted already.
 */
export async function positionIfAllowed(): Promise<LatLng | undefined> {
  const known = lastPosition();
  if (known) return known;
  try {
    const st = await navigator.permissions?.query({ name: "geolocation" });
    if (st?.state === "granted") return await locate(4000);
  } catch {
    // No permissions API: stay without a position.
  }
  return undefined;
}

/** DateRange is a choice of the date filter. */
export type DateRange = "" | "today" | "tomorrow" | "weekend" | "week";

/** DATE_OPTIONS name the date filter's choices. */
export const DATE_OPTIONS: readonly { text: string; value: DateRange }[] = [
  { text: "不限时间", value: "" },
  { text: "今天", value: "today" },
  { text: "明天", value: "tomorrow" },
  { text: "本周末", value: "weekend" },
  { text: "未来 7 天", value: "week" },
];

const DAY = 86_400_000;
const SHANGHAI_OFFSET = 8 * 3_600_000; // Asia/Shanghai has no daylight saving

/** dateBounds turns a date choice into [from, to) in Shanghai days. */
export function dateBounds(r: DateRange, now = new Date()): { from?: Timestamp; to?: Timestamp } {
  if (!r) return {};
  const local = new Date(now.getTime() + SHANGHAI_OFFSET);
  const today = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - SHANGHAI_OFFSET;
  let from = today;
  let to = today + DAY;
  if (r === "tomorrow") [from, to] = [today + DAY, today + 2 * DAY];
  if (r === "week") to = today + 7 * DAY;
  if (r === "weekend") {
    const dow = local.getUTCDay(); // 0 Sunday … 6 Saturday
    if (dow === 0) [from, to] = [today, today + DAY];
    else [from, to] = [today + (6 - dow) * DAY, today + (8 - dow) * DAY];
  }
  return { from: timestampFromDate(new Date(from)), to: timestampFromDate(new Date(to)) };
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** timeRange renders a project's service time, "11-29 09:00–12:00" on one day. */
export function timeRange(start?: Timestamp, end?: Timestamp): string {
  if (!start) return "";
  const s = timestampDate(start);
  const day = (d: Date) => `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const hm = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const head = `${s.getFullYear() !== new Date().getFullYear() ? `${s.getFullYear()}-` : ""}${day(s)} ${hm(s)}`;
  if (!end) return head;
  const e = timestampDate(end);
  return day(e) === day(s) && e.getFullYear() === s.getFullYear()
    ? `${head}–${hm(e)}`
    : `${head} 至 ${day(e)} ${hm(e)}`;
}

/** distanceText renders a distance: "850 m", "1.4 km", "" when unknown. */
export function distanceText(km: number | undefined): string {
  if (km === undefined || !Number.isFinite(km)) return "";
  if (km < 1) return `${Math.max(10, Math.round((km * 1000) / 10) * 10)} m`;
  return `${km < 10 ? km.toFixed(1) : Math.round(km)} km`;
}

/** freePlaces counts a project's places not yet taken. */
export function freePlaces(p: PublicProject): number {
  return Math.max(0, p.placesTotal - p.placesFilled);
}
