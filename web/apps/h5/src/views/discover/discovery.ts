// Shared pieces of the discovery pages (V3): the districts with their
// centres, the caller's position, date ranges in Shanghai time and the
// words of a project card.
import { timestampDate, timestampFromDate, type PublicProject, type Timestamp } from "@yima/api";
import { inShanghai } from "@yima/shared";

/** LatLng is a WGS84 point. */
export interface LatLng {
  lat: number;
  lng: number;
}

/**
 * DISTRICTS are Shanghai's 16 districts (GB/T 2260) with the government
 * seat as the centre: the fallback position when the browser gives none.
 */
export const DISTRICTS: readonly { code: string; name: string; centre: LatLng }[] = [
  { code: "310101", name: "黄浦区", centre: { lat: 31.2304, lng: 121.4846 } },
  { code: "310104", name: "徐汇区", centre: { lat: 31.1886, lng: 121.4365 } },
  { code: "310105", name: "长宁区", centre: { lat: 31.2204, lng: 121.4246 } },
  { code: "310106", name: "静安区", centre: { lat: 31.2286, lng: 121.4469 } },
  { code: "310107", name: "普陀区", centre: { lat: 31.2496, lng: 121.3972 } },
  { code: "310109", name: "虹口区", centre: { lat: 31.266, lng: 121.5012 } },
  { code: "310110", name: "杨浦区", centre: { lat: 31.2595, lng: 121.526 } },
  { code: "310112", name: "闵行区", centre: { lat: 31.1128, lng: 121.3816 } },
  { code: "310113", name: "宝山区", centre: { lat: 31.4045, lng: 121.4893 } },
  { code: "310114", name: "嘉定区", centre: { lat: 31.3748, lng: 121.2655 } },
  { code: "310115", name: "浦东新区", centre: { lat: 31.2212, lng: 121.5447 } },
  { code: "310116", name: "金山区", centre: { lat: 30.742, lng: 121.3416 } },
  { code: "310117", name: "松江区", centre: { lat: 31.0322, lng: 121.2277 } },
  { code: "310118", name: "青浦区", centre: { lat: 31.151, lng: 121.1242 } },
  { code: "310120", name: "奉贤区", centre: { lat: 30.918, lng: 121.474 } },
  { code: "310151", name: "崇明区", centre: { lat: 31.6231, lng: 121.3974 } },
];

/** districtName names a district code, "" when unknown. */
export function districtName(code: string): string {
  return DISTRICTS.find((d) => d.code === code)?.name ?? "";
}

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
