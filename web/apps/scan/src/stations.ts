// What a scanner remembers on this device: recent projects, the registered
// device id and gate, and the queue of scans made while offline. All in
// localStorage, so a reload or a dead battery loses nothing.
import { Code, ConnectError } from "@yima/api";

function read<T>(key: string, fallback: T): T {
  try {
    const v = localStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, v: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(v));
    return true;
  } catch {
    return false; // storage full or disabled
  }
}

/** RecentProject is a project this device scanned for. */
export interface RecentProject {
  id: string;
  title: string;
}

const RECENT_KEY = "yima.scan.recent";
const RECENT_MAX = 8;

/** recentProjects lists the projects opened here, latest first. */
export function recentProjects(): RecentProject[] {
  return read<RecentProject[]>(RECENT_KEY, []).filter((p) => p && typeof p.id === "string");
}

/** rememberProject puts a project first in the recent list. */
export function rememberProject(p: RecentProject): void {
  const list = [p, ...recentProjects().filter((r) => r.id !== p.id)].slice(0, RECENT_MAX);
  write(RECENT_KEY, list);
}

/** forgetProject drops a project from the recent list. */
export function forgetProject(id: string): void {
  write(
    RECENT_KEY,
    recentProjects().filter((r) => r.id !== id),
  );
}

const DEVICE_KEY = "yima.scan.device";

/** DeviceSettings name this scanner to the server. */
export interface DeviceSettings {
  /** deviceId of a scanner device the org registered; "" when none. */
  deviceId: string;
  /** gate where this scanner stands, e.g. "东门"; may be "". */
  gate: string;
}

/** deviceSettings returns the stored device settings. */
export function deviceSettings(): DeviceSettings {
  const d = read<Partial<DeviceSettings>>(DEVICE_KEY, {});
  return { deviceId: d.deviceId ?? "", gate: d.gate ?? "" };
}

/** saveDeviceSettings stores the device settings. */
export function saveDeviceSettings(d: DeviceSettings): void {
  write(DEVICE_KEY, { deviceId: d.deviceId.trim(), gate: d.gate.trim() });
}

/** QueuedScan is a scan made while the network was down. */
export interface QueuedScan {
  /** scanId is fixed when the scan happened; the upload reuses it. */
  scanId: string;
  projectId: string;
  payload: string;
  /** scannedAt is when the code was read, RFC 3339. */
  scannedAt: string;
}

const QUEUE_KEY = "yima.scan.queue";
// A day of a busy gate; beyond it the oldest are kept and new ones refused.
const QUEUE_MAX = 5000;

/** queuedScans returns the scans waiting for upload, oldest first. */
export function queuedScans(): QueuedScan[] {
  return read<QueuedScan[]>(QUEUE_KEY, []);
}

/** enqueueScan keeps a scan for later upload; false when storage is full. */
export function enqueueScan(s: QueuedScan): boolean {
  const q = queuedScans();
  if (q.length >= QUEUE_MAX) return false;
  q.push(s);
  return write(QUEUE_KEY, q);
}

/** dropQueued removes an uploaded (or hopeless) scan from the queue. */
export function dropQueued(scanId: string): void {
  write(
    QUEUE_KEY,
    queuedScans().filter((s) => s.scanId !== scanId),
  );
}

/**
 * isNetworkError tells a failure to reach the server (worth queueing and
 * retrying with the same scan id) from an answer the server gave.
 */
export function isNetworkError(err: unknown): boolean {
  if (typeof navigator !== "undefined" && navigator.onLine === false) return true;
  const ce = ConnectError.from(err);
  if (ce.code === Code.Unavailable || ce.code === Code.DeadlineExceeded) return true;
  // fetch() itself failed: connect-web reports the TypeError as Unknown.
  return ce.code === Code.Unknown && ce.cause instanceof TypeError;
}
