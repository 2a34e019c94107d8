// Token storage shared by the four apps on one origin: the same bearer token
// serves /h5/, /scan/, /org/ and /admin/, so switching account in one app is
// seen by the others on their next call.

/** TOKEN_KEY is the localStorage key holding the bearer token. */
export const TOKEN_KEY = "yima.token";
/** EXPIRES_KEY is the localStorage key holding the token's RFC 3339 expiry. */
export const EXPIRES_KEY = "yima.token.expires_at";

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled (private mode, sandboxed frame)
  }
}

/** getToken returns the stored token, or "" when none is stored or it has expired. */
export function getToken(): string {
  const s = storage();
  if (!s) return "";
  const token = s.getItem(TOKEN_KEY) ?? "";
  const exp = s.getItem(EXPIRES_KEY);
  if (token && exp) {
    const t = Date.parse(exp);
    if (!Number.isNaN(t) && t <= Date.now()) {
      clearToken();
      return "";
    }
  }
  return token;
}

/** setToken stores a token and, when known, its expiry (RFC 3339 or a Date). */
export function setToken(token: string, expiresAt?: string | Date): void {
  const s = storage();
  if (!s) return;
  s.setItem(TOKEN_KEY, token);
  const exp = expiresAt instanceof Date ? expiresAt.toISOString() : expiresAt;
  if (exp) s.setItem(EXPIRES_KEY, exp);
  else s.removeItem(EXPIRES_KEY);
}

/** clearToken forgets the stored token. */
export function clearToken(): void {
  const s = storage();
  s?.removeItem(TOKEN_KEY);
  s?.removeItem(EXPIRES_KEY);
}

/**
 * pickupFragmentToken reads "#token=…&expires_at=…" left by the sign-in
 * redirect, stores the token and removes the fragment from the address bar
 * (and from history), so the token is neither bookmarked nor shared.
 * It returns true when a token was taken.
 */
export function pickupFragmentToken(loc: Location = window.location): boolean {
  const hash = loc.hash.startsWith("#") ? loc.hash.slice(1) : loc.hash;
  if (!hash.includes("token=")) return false;
  const params = new URLSearchParams(hash);
  const token = params.get("token");
  if (!token) return false;
  setToken(token, params.get("expires_at") ?? undefined);
  window.history.replaceState(window.history.state, "", loc.pathname + loc.search);
  return true;
}

/**
 * onTokenChange calls fn when another tab or app on this origin changes the
 * stored token. It returns a function that stops listening.
 */
export function onTokenChange(fn: (token: string) => void): () => void {
  const listener = (e: StorageEvent) => {
    if (e.key === TOKEN_KEY || e.key === null) fn(getToken());
  };
  window.addEventListener("storage", listener);
  return () => window.removeEventListener("storage", listener);
}
