/**
 * loginUrl is where sign-in through the city identity provider (随申办统一身份认证)
 * starts; the server comes back to returnPath with "#token=…" appended.
 */
export function loginUrl(returnPath: string, base = "/auth/login"): string {
  const sep = base.includes("?") ? "&" : "?";
  return `${base}${sep}return=${encodeURIComponent(returnPath)}`;
}

/**
 * startLogin leaves the page for the identity provider. The route to open
 * after sign-in is kept in sessionStorage, since the server returns to the
 * app's base path only.
 */
export function startLogin(appBase: string, afterLogin?: string, base?: string): void {
  try {
    if (afterLogin) sessionStorage.setItem(AFTER_LOGIN_KEY, afterLogin);
  } catch {
    // storage disabled: the user lands on the app's home page instead
  }
  window.location.assign(loginUrl(appBase, base));
}

const AFTER_LOGIN_KEY = "yima.after_login";

/** takeAfterLogin returns and forgets the route saved by startLogin. */
export function takeAfterLogin(): string | undefined {
  try {
    const v = sessionStorage.getItem(AFTER_LOGIN_KEY);
    sessionStorage.removeItem(AFTER_LOGIN_KEY);
    // Only in-app paths: never follow a stored absolute or protocol-relative URL.
    return v && v.startsWith("/") && !v.startsWith("//") ? v : undefined;
  } catch {
    return undefined;
  }
}
