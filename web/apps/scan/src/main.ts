import { createMobileApp } from "@yima/mobile";
import App from "./App.vue";

createMobileApp({
  root: App,
  title: "一码做志愿 · 现场扫码",
  subtitle: "活动现场核验志愿者码",
  routes: [{ path: "/", name: "home", component: () => import("./views/ScanHome.vue"), meta: { title: "现场扫码" } }],
});
