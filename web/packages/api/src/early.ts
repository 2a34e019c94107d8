import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { Interceptor, UnaryResponse } from "@connectrpc/connect";
import { getToken } from "./token";

// On a phone network the app's code takes seconds to arrive, and only then
// could it ask who is signed in and what the page shows: one more round
// trip, over half a second on 3G, before anything appears. The H5 page
// therefore loads a few hundred bytes beside its bundle, apps/h5/public/
// early.js, which sends the first calls at once with the stored token
// (Connect JSON, empty requests) and leaves their answers in
// window.yimaEarly. earlyInterceptor answers the app's own identical calls
// from them, once each, while the first page starts; anything else — an
// early call that failed or was refused, another token, a later call — goes
// to the server as usual, so errors take the ordinary path.

/** EarlyCalls is what early.js leaves: JSON answers by "package.Service/Method", undefined when not OK. */
interface EarlyCalls {
  token: string;
  calls: Record<string, Promise<JsonValue | undefined> | undefined>;
}

declare global {
  interface Window {
    /** yimaEarly is early.js's calls, or closed once the app no longer takes them. */
    yimaEarly?: EarlyCalls | { closed: true };
  }
}

function open(): EarlyCalls | undefined {
  const early = typeof window === "undefined" ? undefined : window.yimaEarly;
  return early && "calls" in early ? early : undefined;
}

/**
 * earlyInterceptor answers a unary call with an empty request from
 * early.js's answer to the same call, made with the same token. The app
 * starts before early.js on a later load (its bundle cached, early.js
 * revalidated): then early.js is told to do nothing.
 */
export function earlyInterceptor(): Interceptor {
  if (typeof window !== "undefined" && !window.yimaEarly) window.yimaEarly = { closed: true };
  return (next) => async (req) => {
    const early = open();
    const key = `${req.service.typeName}/${req.method.name}`;
    const pending = early?.calls[key];
    if (!early || !pending || req.stream || early.token !== getToken()) return next(req);
    if (Object.keys(toJson(req.method.input, req.message) as object).length > 0) return next(req);
    delete early.calls[key];
    const json = await pending;
    if (json === undefined) return next(req);
    const res: UnaryResponse = {
      stream: false,
      service: req.service,
      method: req.method,
      header: new Headers(),
      trailer: new Headers(),
      message: fromJson(req.method.output, json, { ignoreUnknownFields: true }),
    };
    return res;
  };
}

/**
 * closeEarly ends the start of the page: the answers early.js left and the
 * app did not take are dropped (they would go stale), and later calls go to
 * the server.
 */
export function closeEarly(): void {
  if (typeof window !== "undefined") window.yimaEarly = { closed: true };
}
