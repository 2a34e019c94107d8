import { inject, reactive, type App, type InjectionKey } from "vue";
import { AuditService, createClient, errorMessage, MenuKind, RbacService, type Client, type Menu } from "@yima/api";
import { hasPermission, type Session } from "@yima/shared";

/** ConsoleState is the caller's console: menu tree and permissions. */
export interface ConsoleState {
  loaded: boolean;
  menus: Menu[];
  permissions: string[];
  /** pages maps each reachable page path to its menu entry. */
  pages: Map<string, Menu>;
  /** parents maps a page path to its enclosing directories, outermost first. */
  parents: Map<string, Menu[]>;
  error: string;
}

/** Console loads ListMyMenus for the active account and answers what it may see. */
export interface Console {
  readonly state: ConsoleState;
  /** rbac and audit are the console's service clients, on the session's transport. */
  readonly rbac: Client<typeof RbacService>;
  readonly audit: Client<typeof AuditService>;
  ensureLoaded(): Promise<void>;
  can(permission: string): boolean;
  hasPage(path: string): boolean;
  install(app: App): void;
}

const ConsoleKey: InjectionKey<Console> = Symbol("yima.console");

function index(menus: Menu[], pages: Map<string, Menu>, parents: Map<string, Menu[]>, trail: Menu[]) {
  for (const m of menus) {
    if (m.kind === MenuKind.MENU && m.path) {
      pages.set(m.path, m);
      parents.set(m.path, trail);
    }
    if (m.children.length) index(m.children, pages, parents, m.kind === MenuKind.DIRECTORY ? [...trail, m] : trail);
  }
}

/** createConsole builds the console store; it reloads when the session changes account. */
export function createConsole(session: Session): Console {
  const state = reactive<ConsoleState>({
    loaded: false,
    menus: [],
    permissions: [],
    pages: new Map(),
    parents: new Map(),
    error: "",
  });
  const rbac = createClient(RbacService, session.api.transport);
  const audit = createClient(AuditService, session.api.transport);
  let loadedFor = -1;
  let inflight: Promise<void> | undefined;

  async function load(epoch: number) {
    try {
      const res = await rbac.listMyMenus({});
      const pages = new Map<string, Menu>();
      const parents = new Map<string, Menu[]>();
      index(res.menus, pages, parents, []);
      state.menus = res.menus;
      state.permissions = res.permissions;
      state.pages = pages;
      state.parents = parents;
      state.error = "";
    } catch (err) {
      state.menus = [];
      state.permissions = [];
      state.pages = new Map();
      state.parents = new Map();
      state.error = errorMessage(err);
      state.loaded = true;
      return; // the next navigation tries again
    }
    state.loaded = true;
    loadedFor = epoch;
  }

  const c: Console = {
    state,
    rbac,
    audit,
    ensureLoaded() {
      const epoch = session.state.epoch;
      if (!session.signedIn.value) return Promise.resolve();
      if (loadedFor === epoch) return Promise.resolve();
      if (!inflight) {
        inflight = load(epoch).finally(() => {
          inflight = undefined;
        });
      }
      return inflight;
    },
    can(permission) {
      const held = state.permissions.length ? state.permissions : session.state.permissions;
      return hasPermission(held, permission);
    },
    hasPage(path) {
      return state.pages.has(path);
    },
    install(app) {
      app.provide(ConsoleKey, c);
    },
  };
  return c;
}

/** useConsole returns the console store provided by the app. */
export function useConsole(): Console {
  const c = inject(ConsoleKey);
  if (!c) throw new Error("useConsole: no console provided");
  return c;
}
