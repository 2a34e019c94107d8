import { timestampDate, type Timestamp } from "@yima/api";

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** formatTime renders a timestamp as "2006-01-02 15:04" in local time, "" when unset. */
export function formatTime(ts: Timestamp | undefined, withSeconds = false): string {
  if (!ts) return "";
  const d = timestampDate(ts);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${base}:${pad(d.getSeconds())}` : base;
}

/** formatDate renders a timestamp as "2006-01-02", "" when unset. */
export function formatDate(ts: Timestamp | undefined): string {
  return formatTime(ts).slice(0, 10);
}

/** formatHours renders seconds of service as hours with at most one decimal: "12.5". */
export function formatHours(seconds: bigint | number | undefined): string {
  const h = Number(seconds ?? 0) / 3600;
  return String(Math.round(h * 10) / 10);
}
