import { createMobileApp } from "@yima/mobile";
import App from "./App.vue";

createMobileApp({
  root: App,
  title: "一码做志愿 · 现场扫码",
  label: "活动现场扫码核验",
  subtitle: "供组织负责人、管理员使用",
  routes: [
    { path: "/", name: "home", component: () => import("./views/ScanHome.vue"), meta: { title: "现场扫码" } },
    {
      path: "/p/:projectId",
      name: "station",
      component: () => import("./views/ScanStation.vue"),
      props: true,
      meta: { title: "扫码签到" },
    },
  ],
});
