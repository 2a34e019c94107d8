import { createRouter, createWebHistory, type RouteLocationNormalizedLoaded, type RouteRecordRaw } from "vue-router";
import { installAuthGuard, type Boot } from "@yima/shared";
import type { Console } from "./console";

declare module "vue-router" {
  interface RouteMeta {
    /** page routes are reachable only when the caller's menus hold their path. */
    page?: boolean;
    /** menu is the menu path of a page opened from another (a detail), in place of its own path. */
    menu?: string;
  }
}

/** menuPath is the menu entry a route belongs to: its menu, else its own path. */
export function menuPath(route: RouteLocationNormalizedLoaded): string {
  return route.meta.menu ?? route.path;
}

// Each console page has a fixed route; the menu tree from ListMyMenus decides
// which of them the caller sees and may open.
const pages: RouteRecordRaw[] = [
  {
    path: "system/user",
    component: () => import("./views/system/UserView.vue"),
    meta: { page: true, title: "用户管理" },
  },
  {
    path: "system/role",
    component: () => import("./views/system/RoleView.vue"),
    meta: { page: true, title: "角色管理" },
  },
  {
    path: "system/dept",
    component: () => import("./views/system/DeptView.vue"),
    meta: { page: true, title: "部门管理" },
  },
  {
    path: "system/menu",
    component: () => import("./views/system/MenuView.vue"),
    meta: { page: true, title: "菜单管理" },
  },
  {
    path: "monitor/audit",
    component: () => import("./views/monitor/AuditView.vue"),
    meta: { page: true, title: "审计日志" },
  },
  {
    path: "org/review",
    component: () => import("./views/org/OrgReviewView.vue"),
    meta: { page: true, title: "组织审核" },
  },
  {
    path: "org/info",
    component: () => import("./views/org/OrgInfoView.vue"),
    meta: { page: true, title: "组织信息" },
  },
  {
    path: "org/users",
    component: () => import("./views/org/OrgUsersView.vue"),
    meta: { page: true, title: "组织用户" },
  },
  {
    path: "org/groups",
    component: () => import("./views/org/OrgGroupsView.vue"),
    meta: { page: true, title: "组织分组" },
  },
  {
    path: "org/certificates",
    component: () => import("./views/org/CertificateRegisterView.vue"),
    meta: { page: true, title: "服务证明登记" },
  },
  {
    path: "project/review",
    component: () => import("./views/project/ProjectReviewView.vue"),
    meta: { page: true, title: "项目审核" },
  },
  {
    path: "project/info",
    component: () => import("./views/project/ProjectInfoView.vue"),
    meta: { page: true, title: "项目信息" },
  },
  // The volunteer archive (S1); a volunteer's detail belongs to the list.
  {
    path: "volunteer/list",
    component: () => import("./views/volunteer/VolunteerListView.vue"),
    meta: { page: true, title: "志愿者列表" },
  },
  {
    path: "volunteer/cards",
    component: () => import("./views/volunteer/CardArchiveView.vue"),
    meta: { page: true, title: "志愿者证" },
  },
  {
    path: "volunteer/:id",
    component: () => import("./views/volunteer/VolunteerDetailView.vue"),
    props: true,
    meta: { page: true, menu: "/volunteer/list", title: "志愿者详情" },
  },
  // Notifications (S4) and the dev SMS gateway's inbox.
  {
    path: "message/send",
    component: () => import("./views/message/SendView.vue"),
    meta: { page: true, title: "发送短信" },
  },
  {
    path: "message/sent",
    component: () => import("./views/message/SentView.vue"),
    meta: { page: true, title: "已发消息" },
  },
  {
    path: "monitor/dev-sms",
    component: () => import("./views/message/DevSmsView.vue"),
    meta: { page: true, title: "开发短信网关" },
  },
  // The push of volunteer cards to the city e-license library (V1).
  {
    path: "monitor/dev-elicense",
    component: () => import("./views/monitor/DevElicenseView.vue"),
    meta: { page: true, title: "电子证照推送" },
  },
];

/** createConsoleRouter builds the console's routes and guards. */
export function createConsoleRouter(b: Boot, con: Console) {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [
      {
        path: "/login",
        name: "login",
        component: () => import("./views/LoginView.vue"),
        meta: { public: true, title: "登录" },
      },
      {
        path: "/",
        component: () => import("./layout/ConsoleLayout.vue"),
        children: [
          { path: "", name: "home", component: () => import("./views/HomeView.vue"), meta: { title: "首页" } },
          ...pages,
          {
            path: "403",
            name: "forbidden",
            component: () => import("./views/ForbiddenView.vue"),
            meta: { title: "无权访问" },
          },
        ],
      },
      {
        path: "/:pathMatch(.*)*",
        name: "not-found",
        component: () => import("./views/NotFoundView.vue"),
        meta: { public: true, title: "页面不存在" },
      },
    ],
  });
  installAuthGuard(router, b, { loginRoute: "login" });
  router.beforeEach(async (to) => {
    if (!to.meta.page) return true;
    await con.ensureLoaded();
    return con.hasPage(menuPath(to)) ? true : { name: "forbidden", query: { from: to.fullPath } };
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · 一码做志愿管理后台` : "一码做志愿管理后台";
  });
  return router;
}
