import { createMobileApp } from "@yima/mobile";
import App from "./App.vue";

createMobileApp({
  root: App,
  title: "一码做志愿",
  label: "上海市志愿者服务平台",
  routes: [
    { path: "/", name: "me", component: () => import("./views/MeView.vue"), meta: { title: "我的" } },
    { path: "/code", name: "code", component: () => import("./views/CodeView.vue"), meta: { title: "我的志愿者码" } },
    { path: "/inbox", name: "inbox", component: () => import("./views/InboxView.vue"), meta: { title: "我的消息" } },
  ],
});
