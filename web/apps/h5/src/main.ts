import { createMobileApp } from "@yima/mobile";
import App from "./App.vue";
// The two pages a volunteer opens the app on ship in the first bundle (their
// first calls start even earlier, in public/early.js): loaded on demand,
// each would add a round trip before it shows, over half a second on 3G.
import CodeView from "./views/CodeView.vue";
import MeView from "./views/MeView.vue";

createMobileApp({
  root: App,
  title: "一码做志愿",
  label: "上海市志愿者服务平台",
  routes: [
    {
      path: "/",
      name: "me",
      component: MeView,
      meta: { title: "我的" },
    },
    {
      path: "/code",
      name: "code",
      component: CodeView,
      meta: { title: "我的志愿者码" },
    },
    { path: "/inbox", name: "inbox", component: () => import("./views/InboxView.vue"), meta: { title: "我的消息" } },
    {
      path: "/projects",
      name: "projects",
      component: () => import("./views/discover/ProjectSearchView.vue"),
      meta: { public: true, title: "找项目" },
    },
    {
      path: "/projects/:projectId",
      name: "project-detail",
      component: () => import("./views/discover/ProjectDetailView.vue"),
      props: true,
      meta: { public: true, title: "项目详情" },
    },
    {
      path: "/register",
      name: "register",
      component: () => import("./views/RegisterView.vue"),
      meta: { title: "注册志愿者" },
    },
    {
      path: "/orgs",
      name: "orgs",
      component: () => import("./views/orgs/OrgSearchView.vue"),
      meta: { public: true, title: "找组织" },
    },
    {
      path: "/orgs/:orgId",
      name: "org-detail",
      component: () => import("./views/orgs/OrgDetailView.vue"),
      props: true,
      meta: { public: true, title: "组织主页" },
    },
    {
      path: "/me/profile",
      name: "me-profile",
      component: () => import("./views/me/ProfileView.vue"),
      meta: { title: "个人资料" },
    },
    {
      path: "/me/records",
      name: "me-records",
      component: () => import("./views/me/RecordsView.vue"),
      meta: { title: "服务记录与证明" },
    },
    {
      path: "/me/projects",
      name: "me-projects",
      component: () => import("./views/me/MyProjectsView.vue"),
      meta: { title: "我的项目" },
    },
    {
      path: "/me/orgs",
      name: "me-orgs",
      component: () => import("./views/me/MyOrgsView.vue"),
      meta: { title: "我的组织" },
    },
    {
      path: "/me/card",
      name: "me-card",
      component: () => import("./views/me/CardView.vue"),
      meta: { title: "电子志愿者证" },
    },
    {
      path: "/me/record-check",
      name: "me-record-check",
      component: () => import("./views/me/RecordCheckView.vue"),
      meta: { title: "无犯罪记录证明" },
    },
  ],
});
