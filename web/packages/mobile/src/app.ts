import { createApp, type Component } from "vue";
import { START_LOCATION, createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { closeEarly } from "@yima/api";
import { boot, installAuthGuard } from "@yima/shared";
import MobileLogin from "./MobileLogin.vue";
import NotFound from "./NotFound.vue";
import "./theme.css";

/** MobileAppOptions describe one mobile app. */
export interface MobileAppOptions {
  /** root component holding <router-view>. */
  root: Component;
  /** title of the app in the document title, e.g. "一码做志愿 · 组织端". */
  title: string;
  /** label under the brand on the sign-in page, e.g. "志愿服务组织管理端". */
  label: string;
  /** subtitle under the label. */
  subtitle?: string;
  /** routes of the signed-in pages. */
  routes: RouteRecordRaw[];
}

/**
 * createMobileApp wires a mobile app: the token from the sign-in redirect,
 * the session, the router under the app's base path with sign-in and 404
 * routes, and the guard. It mounts on #app.
 */
export function createMobileApp(opts: MobileAppOptions) {
  const b = boot();
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [
      {
        path: "/login",
        name: "login",
        component: MobileLogin,
        props: { title: opts.label, subtitle: opts.subtitle },
        meta: { public: true, title: "登录" },
      },
      ...opts.routes,
      { path: "/:pathMatch(.*)*", name: "not-found", component: NotFound, meta: { public: true, title: "页面不存在" } },
    ],
    // A new page starts at its top; the first one is there already, and
    // scrolling it would force a layout before its content has arrived.
    scrollBehavior: (_to, from) => (from === START_LOCATION ? false : { top: 0 }),
  });
  installAuthGuard(router, b, { loginRoute: "login" });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · ${opts.title}` : opts.title;
  });
  const app = createApp(opts.root);
  app.use(router).use(b.session);
  void router.isReady().then(() => {
    app.mount("#app");
    // The first page has made its first calls: what early.js asked for and
    // nobody took would only go stale.
    setTimeout(closeEarly);
  });
  return { app, router, session: b.session };
}
