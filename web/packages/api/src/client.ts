import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { earlyInterceptor } from "./early";
import { IdentityService } from "./gen/yima/identity/v1/identity_pb";
import { clearToken, getToken } from "./token";

/** ApiOptions configure createApi. */
export interface ApiOptions {
  /** baseUrl of the Connect endpoints; the page's own origin by default. */
  baseUrl?: string;
  /** timeoutMs bounds every call; 15 s by default. */
  timeoutMs?: number;
  /**
   * onUnauthenticated runs when a call made with a token is refused as
   * unauthenticated (expired, revoked); the token has been cleared already.
   */
  onUnauthenticated?: (err: ConnectError) => void;
}

/**
 * Api is the transport every client of an app shares, and the identity
 * client the session needs. An app makes clients for the other services it
 * calls with createClient(Service, api.transport), so a page bundles only
 * the descriptors of services it uses.
 */
export interface Api {
  transport: Transport;
  identity: Client<typeof IdentityService>;
}

/**
 * authInterceptor adds the stored bearer token to each call and clears it
 * when the server says it no longer holds.
 */
export function authInterceptor(onUnauthenticated?: (err: ConnectError) => void): Interceptor {
  return (next) => async (req) => {
    const token = getToken();
    if (token) req.header.set("Authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (err) {
      const ce = ConnectError.from(err);
      // Only a token that was sent and is still the stored one is dropped: a
      // concurrent switch may already have stored a fresh one.
      if (ce.code === Code.Unauthenticated && token && getToken() === token) {
        clearToken();
        onUnauthenticated?.(ce);
      }
      throw err;
    }
  };
}

/** createApi builds the JSON Connect transport and the identity client. */
export function createApi(opts: ApiOptions = {}): Api {
  const transport = createConnectTransport({
    baseUrl: opts.baseUrl ?? window.location.origin,
    useBinaryFormat: false,
    defaultTimeoutMs: opts.timeoutMs ?? 15_000,
    interceptors: [authInterceptor(opts.onUnauthenticated), earlyInterceptor()],
  });
  return {
    transport,
    identity: createClient(IdentityService, transport),
  };
}
