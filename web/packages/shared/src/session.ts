import { computed, inject, reactive, readonly, type App, type ComputedRef, type InjectionKey } from "vue";
import {
  clearToken,
  Code,
  ConnectError,
  getToken,
  setToken,
  timestampDate,
  type Account,
  type AccountKind,
  type Api,
  type GetMeResponse,
  type Person,
} from "@yima/api";
import { hasPermission } from "./permissions";

/** SessionState is what the pages know about the signed-in person. */
export interface SessionState {
  /** loaded is true once the first load finished (signed in or not). */
  loaded: boolean;
  loading: boolean;
  person?: Person;
  account?: Account;
  permissions: string[];
  accounts: Account[];
  /** epoch grows with every sign-in, switch and sign-out; views keyed on it reload. */
  epoch: number;
}

/** DevLoginInput names a mock-provider citizen or a demo back-office user. */
export type DevLoginInput = { idNumber: string; name: string } | { username: string };

/** Session is the signed-in state of one app plus the calls that change it. */
export interface Session {
  readonly state: Readonly<SessionState>;
  readonly signedIn: ComputedRef<boolean>;
  readonly api: Api;
  /** load fetches GetMe and ListAccounts for the stored token. */
  load(): Promise<void>;
  /** ensureLoaded loads once; later calls return the same result. */
  ensureLoaded(): Promise<void>;
  /** devLogin signs in through IdentityService.DevLogin (dev and tests only). */
  devLogin(input: DevLoginInput): Promise<void>;
  /** switchAccount acts as another account of the same person from now on. */
  switchAccount(accountId: string): Promise<Account | undefined>;
  /** logout revokes the token on the server and forgets it here. */
  logout(): Promise<void>;
  /** reset forgets the signed-in state without calling the server. */
  reset(): void;
  /** can reports whether the active account holds a permission string. */
  can(permission: string): boolean;
  install(app: App): void;
}

const SessionKey: InjectionKey<Session> = Symbol("yima.session");

// The kind of the account acting, kept for the next page load: the H5's
// early.js (apps/h5/public/early.js) asks for a volunteer's first page
// before the app knows who is signed in.
const KIND_KEY = "yima.account_kind";

function rememberAccountKind(kind: AccountKind | undefined): void {
  try {
    if (kind === undefined) localStorage.removeItem(KIND_KEY);
    else localStorage.setItem(KIND_KEY, String(kind));
  } catch {
    // storage disabled: early.js then asks only who is signed in
  }
}

/** createSession builds the session of one app over its API clients. */
export function createSession(api: Api): Session {
  const state = reactive<SessionState>({
    loaded: false,
    loading: false,
    permissions: [],
    accounts: [],
    epoch: 0,
  });
  let inflight: Promise<void> | undefined;

  function apply(me: GetMeResponse | undefined, accounts: Account[]) {
    state.person = me?.person;
    state.account = me?.account;
    state.permissions = me?.permissions ?? [];
    state.accounts = accounts;
    rememberAccountKind(me?.account?.kind);
  }

  function reset() {
    apply(undefined, []);
    state.loaded = true;
    state.epoch++;
  }

  async function fetchAll() {
    if (!getToken()) {
      apply(undefined, []);
      state.loaded = true;
      return;
    }
    state.loading = true;
    try {
      const [me, list] = await Promise.all([api.identity.getMe({}), api.identity.listAccounts({})]);
      apply(me, list.accounts);
    } catch (err) {
      if (ConnectError.from(err).code === Code.Unauthenticated) {
        clearToken();
        apply(undefined, []);
      } else {
        throw err;
      }
    } finally {
      state.loading = false;
      state.loaded = true;
    }
  }

  function load(): Promise<void> {
    const p = fetchAll().finally(() => {
      state.epoch++;
    });
    inflight = p;
    // A failed load (network down) is retried by the next ensureLoaded.
    p.catch(() => {
      if (inflight === p) inflight = undefined;
    });
    return p;
  }

  const session: Session = {
    state: readonly(state) as Readonly<SessionState>,
    signedIn: computed(() => !!state.person),
    api,
    load,
    ensureLoaded() {
      return inflight ?? load();
    },
    async devLogin(input) {
      const res = await api.identity.devLogin(
        "username" in input ? { username: input.username } : { idNumber: input.idNumber, name: input.name },
      );
      setToken(res.token, res.expiresAt ? timestampDate(res.expiresAt) : undefined);
      await load();
    },
    async switchAccount(accountId) {
      const res = await api.identity.switchAccount({ accountId });
      setToken(res.token, res.expiresAt ? timestampDate(res.expiresAt) : undefined);
      await load();
      return state.account;
    },
    async logout() {
      try {
        if (getToken()) await api.identity.logout({});
      } catch {
        // The token is forgotten here either way; a failed revoke only
        // leaves it to expire on the server.
      }
      clearToken();
      reset();
    },
    reset,
    can(permission) {
      return hasPermission(state.permissions, permission);
    },
    install(app) {
      app.provide(SessionKey, session);
    },
  };
  return session;
}

/** useSession returns the session provided by the app. */
export function useSession(): Session {
  const s = inject(SessionKey);
  if (!s) throw new Error("useSession: no session provided; call app.use(createSession(api))");
  return s;
}
