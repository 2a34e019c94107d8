// The live channel: one websocket to the node's hub (GET /ws, subprotocol
// yima.v1), carrying committed scans to the scanner page and the
// volunteer's page. See realtime/realtime.go for the protocol.
import { ref, type Ref } from "vue";
import { getToken } from "@yima/api";

/** LiveScan is a committed scan as the hub pushes it. */
export interface LiveScan {
  scan_id: string;
  project_id: string;
  project_title?: string;
  volunteer_id?: string;
  /** volunteer_name is masked by the server ("李**"). */
  volunteer_name?: string;
  position_id?: string;
  position_name?: string;
  /** outcome is SCAN_OUTCOME_SIGNED_IN, _SIGNED_OUT or _REJECTED. */
  outcome: string;
  reason?: string;
  duplicate: boolean;
  session_id?: string;
  started_at?: string;
  ended_at?: string;
  duration_seconds: number;
  /** on_site after this scan (project topics only). */
  on_site?: number;
  at: string;
}

/** LiveMessage is one message from the hub. */
export interface LiveMessage {
  type: "hello" | "subscribed" | "unsubscribed" | "error" | "scan" | "pong";
  topic?: string;
  id?: string;
  account_id?: string;
  code?: string;
  reason?: string;
  message?: string;
  on_site?: number;
  scan?: LiveScan;
}

/** LiveStatus is the state of the channel, for a status dot. */
export type LiveStatus = "connecting" | "open" | "reconnecting" | "closed";

/** Live is a self-healing websocket with topic subscriptions. */
export interface Live {
  readonly status: Ref<LiveStatus>;
  /**
   * subscribe asks for a topic ("project:<id>", "volunteer:me") and calls fn
   * with every message about it (subscribed, error, scan); it subscribes again
   * after every reconnect. It returns a function that unsubscribes.
   */
  subscribe(topic: string, fn: (m: LiveMessage) => void): () => void;
  /** close ends the channel for good. */
  close(): void;
}

/** CLOSE_UNAUTHENTICATED is the close code of a revoked or expired token. */
export const CLOSE_UNAUTHENTICATED = 4401;

/** LiveOptions tune createLive (tests). */
export interface LiveOptions {
  /** url of the hub; ws(s)://<this host>/ws by default. */
  url?: string;
  /** keepaliveMs between application pings (25 s). */
  keepaliveMs?: number;
}

/**
 * createLive opens the live channel with the stored token. It reconnects
 * with backoff (1 s doubling to 30 s, sooner when the browser comes back
 * online), and stops when the server says the token no longer holds.
 */
export function createLive(opts: LiveOptions = {}): Live {
  const status = ref<LiveStatus>("connecting");
  const topics = new Map<string, Set<(m: LiveMessage) => void>>();
  const url = opts.url ?? `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
  const keepaliveMs = opts.keepaliveMs ?? 25_000;
  let ws: WebSocket | undefined;
  let closed = false;
  let backoff = 1000;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  let lastHeard = Date.now();
  let seq = 0;

  function send(msg: object) {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function connect() {
    if (closed) return;
    const token = getToken();
    if (!token) {
      status.value = "closed";
      return;
    }
    status.value = status.value === "open" || status.value === "reconnecting" ? "reconnecting" : "connecting";
    let sock: WebSocket;
    try {
      // Browsers cannot set headers on a websocket: the token travels as a
      // second subprotocol; the server answers with "yima.v1" alone.
      sock = new WebSocket(url, ["yima.v1", token]);
    } catch {
      schedule();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      status.value = "open";
      backoff = 1000;
      lastHeard = Date.now();
      for (const topic of topics.keys()) send({ type: "subscribe", topic, id: String(++seq) });
      clearInterval(keepalive);
      keepalive = setInterval(() => {
        // A phone that lost the network may not notice a dead socket for
        // minutes; no answer to two pings ends it.
        if (Date.now() - lastHeard > keepaliveMs * 2 + 5000) sock.close();
        else send({ type: "ping" });
      }, keepaliveMs);
    };
    sock.onmessage = (ev) => {
      lastHeard = Date.now();
      let m: LiveMessage;
      try {
        m = JSON.parse(String(ev.data)) as LiveMessage;
      } catch {
        return;
      }
      if (!m.topic) return;
      for (const fn of topics.get(m.topic) ?? []) fn(m);
    };
    sock.onclose = (ev) => {
      clearInterval(keepalive);
      if (ws !== sock) return;
      ws = undefined;
      if (closed) return;
      if (ev.code === CLOSE_UNAUTHENTICATED) {
        status.value = "closed";
        return;
      }
      schedule();
    };
  }

  function schedule() {
    if (closed) return;
    status.value = "reconnecting";
    clearTimeout(retry);
    const wait = backoff * (0.75 + Math.random() / 2);
    backoff = Math.min(backoff * 2, 30_000);
    retry = setTimeout(connect, wait);
  }

  const online = () => {
    if (closed || ws) return;
    backoff = 1000;
    clearTimeout(retry);
    connect();
  };
  window.addEventListener("online", online);

  connect();

  return {
    status,
    subscribe(topic, fn) {
      let set = topics.get(topic);
      if (!set) {
        set = new Set();
        topics.set(topic, set);
        send({ type: "subscribe", topic, id: String(++seq) });
      }
      set.add(fn);
      return () => {
        const s = topics.get(topic);
        if (!s) return;
        s.delete(fn);
        if (s.size === 0) {
          topics.delete(topic);
          send({ type: "unsubscribe", topic });
        }
      };
    },
    close() {
      closed = true;
      status.value = "closed";
      clearTimeout(retry);
      clearInterval(keepalive);
      window.removeEventListener("online", online);
      const sock = ws;
      ws = undefined;
      sock?.close(1000);
    },
  };
}
