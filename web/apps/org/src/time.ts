// Times in forms: <input type="datetime-local"> speaks local
// "2006-01-02T15:04"; the API speaks Timestamps.
import { timestampDate, timestampFromDate, type Timestamp } from "@yima/api";

const pad = (n: number) => String(n).padStart(2, "0");

/** toLocalInput renders a timestamp (or date) for a datetime-local input; "" when unset. */
export function toLocalInput(ts: Timestamp | Date | undefined): string {
  if (!ts) return "";
  const d = ts instanceof Date ? ts : timestampDate(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** fromLocalInput reads a datetime-local value; undefined when empty or invalid. */
export function fromLocalInput(v: string): Timestamp | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : timestampFromDate(d);
}

/** inDays is local midnight-aligned "now + days" at hour:00, as a datetime-local value. */
export function inDays(days: number, hour: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  d.setHours(hour, 0, 0, 0);
  return toLocalInput(d);
}
