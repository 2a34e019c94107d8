import { createMobileApp } from "@yima/mobile";
import App from "./App.vue";

createMobileApp({
  root: App,
  title: "一码做志愿 · 组织端",
  label: "志愿服务组织管理端",
  subtitle: "供组织负责人、管理员使用",
  routes: [
    { path: "/", name: "home", component: () => import("./views/OrgHome.vue"), meta: { title: "组织管理" } },
    {
      path: "/projects/:projectId/attendance",
      name: "attendance",
      component: () => import("./views/AttendanceView.vue"),
      props: true,
      meta: { title: "考勤管理" },
    },
    {
      path: "/devices",
      name: "devices",
      component: () => import("./views/DevicesView.vue"),
      meta: { title: "扫码设备" },
    },
  ],
});
