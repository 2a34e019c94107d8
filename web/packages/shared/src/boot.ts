import { watch } from "vue";
import type { Router } from "vue-router";
import { createApi, getToken, onTokenChange, pickupFragmentToken, takeAfterLogin, type Api } from "@yima/api";
import { createSession, type Session } from "./session";

/** Boot is what every app's main.ts starts from. */
export interface Boot {
  api: Api;
  session: Session;
  /** cameFromLogin is true when this page load carried a fresh token in its fragment. */
  cameFromLogin: boolean;
}

/**
 * boot takes a token left in the fragment by the sign-in redirect, builds the
 * API clients and the session. Call it before creating the router, so the
 * router never sees "#token=…".
 */
export function boot(): Boot {
  const cameFromLogin = pickupFragmentToken();
  const holder: { session?: Session } = {};
  // A refused token ends the session; installAuthGuard then leaves the page.
  const api = createApi({ onUnauthenticated: () => holder.session?.reset() });
  const session = createSession(api);
  holder.session = session;
  // Another tab or app on this origin signed in, switched or signed out:
  // follow it, so every open page acts as the same account.
  onTokenChange(() => void session.load().catch(() => undefined));
  return { api, session, cameFromLogin };
}

/** GuardOptions configure installAuthGuard. */
export interface GuardOptions {
  /** loginRoute is the name of the sign-in route. */
  loginRoute: string;
}

/**
 * safeLocalPath returns p when it is a path of this app ("/projects/1"),
 * so a redirect query can never lead off the site; undefined otherwise.
 */
export function safeLocalPath(p: unknown): string | undefined {
  return typeof p === "string" && p.startsWith("/") && !p.startsWith("//") ? p : undefined;
}

/**
 * installAuthGuard sends visitors who are not signed in to the sign-in route
 * (routes with meta.public stay open) and back to where they were going
 * after, also across the identity provider's redirect. When the server stops
 * accepting the token later, the app goes to the sign-in route.
 */
export function installAuthGuard(router: Router, b: Boot, opts: GuardOptions): void {
  const { session } = b;
  let pending = b.cameFromLogin ? takeAfterLogin() : undefined;
  router.beforeEach(async (to) => {
    let offline = false;
    await session.ensureLoaded().catch(() => {
      // Not a refused token (that clears it) but a failed call: keep the
      // token and let the sign-in page offer to try again.
      offline = !!getToken();
    });
    if (pending) {
      const target = pending;
      pending = undefined;
      if (session.signedIn.value && target !== to.fullPath) return target;
    }
    if (to.meta.public) {
      if (to.name === opts.loginRoute && session.signedIn.value) {
        return safeLocalPath(to.query.redirect) ?? "/";
      }
      return true;
    }
    if (!session.signedIn.value) {
      const query: Record<string, string> = to.fullPath === "/" ? {} : { redirect: to.fullPath };
      if (offline) query.offline = "1";
      return { name: opts.loginRoute, query };
    }
    return true;
  });
  // Signed out elsewhere (another tab, a revoked token): leave the page.
  watch(session.signedIn, (now, before) => {
    const cur = router.currentRoute.value;
    if (before && !now && !cur.meta.public) {
      void router.replace({ name: opts.loginRoute, query: { redirect: cur.fullPath } });
    }
  });
}

declare module "vue-router" {
  interface RouteMeta {
    /** public routes are open without signing in. */
    public?: boolean;
    /** title is shown in the page header and the document title. */
    title?: string;
  }
}
