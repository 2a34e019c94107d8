import { createMobileApp } from "@yima/mobile";
import App from "./App.vue";

createMobileApp({
  root: App,
  title: "一码做志愿 · 组织端",
  label: "志愿服务组织管理端",
  subtitle: "供组织负责人、管理员使用",
  routes: [
    { path: "/", name: "home", component: () => import("./views/OrgHome.vue"), meta: { title: "组织管理" } },
    // Registering an org (O1), the org and its children (O9, O11).
    {
      path: "/register",
      name: "org-register",
      component: () => import("./views/register/RegisterOrgView.vue"),
      meta: { title: "申请成立组织" },
    },
    {
      path: "/applications",
      name: "org-applications",
      component: () => import("./views/register/MyApplicationsView.vue"),
      meta: { title: "我的成立申请" },
    },
    {
      path: "/profile",
      name: "org-profile",
      component: () => import("./views/org/OrgDetailView.vue"),
      meta: { title: "组织信息" },
    },
    {
      path: "/orgs",
      name: "child-orgs",
      component: () => import("./views/org/ChildOrgsView.vue"),
      meta: { title: "下级组织" },
    },
    {
      path: "/orgs/:orgId",
      name: "org-detail",
      component: () => import("./views/org/OrgDetailView.vue"),
      props: true,
      meta: { title: "组织详情" },
    },
    // Projects (O3), their review by the parent org (O8) and recruitment (O4).
    {
      path: "/projects",
      name: "projects",
      component: () => import("./views/projects/ProjectListView.vue"),
      meta: { title: "项目管理" },
    },
    {
      path: "/projects/new",
      name: "project-new",
      component: () => import("./views/projects/ProjectWizardView.vue"),
      meta: { title: "发布项目" },
    },
    {
      path: "/projects/:projectId",
      name: "project",
      component: () => import("./views/projects/ProjectDetailView.vue"),
      props: true,
      meta: { title: "项目详情" },
    },
    {
      path: "/projects/:projectId/edit",
      name: "project-edit",
      component: () => import("./views/projects/ProjectWizardView.vue"),
      props: true,
      meta: { title: "修改项目" },
    },
    {
      path: "/projects/:projectId/recruit",
      name: "recruit",
      component: () => import("./views/projects/RecruitView.vue"),
      props: true,
      meta: { title: "招募管理" },
    },
    {
      path: "/reviews",
      name: "project-reviews",
      component: () => import("./views/projects/ProjectReviewView.vue"),
      meta: { title: "项目审核" },
    },
    {
      path: "/projects/:projectId/attendance",
      name: "attendance",
      component: () => import("./views/AttendanceView.vue"),
      props: true,
      meta: { title: "考勤管理" },
    },
    // Closed projects (O7): completed, rejected and withdrawn ones; the
    // roster with hours and the volunteers' ratings.
    {
      path: "/closed",
      name: "closed-projects",
      component: () => import("./views/closed/ClosedProjectsView.vue"),
      meta: { title: "已结项目" },
    },
    {
      path: "/closed/:projectId",
      name: "closed-project",
      component: () => import("./views/closed/ClosedProjectView.vue"),
      props: true,
      meta: { title: "项目详情" },
    },
    // Service certificates (O10): the queue and the review of one application.
    {
      path: "/certificates",
      name: "certificates",
      component: () => import("./views/certificates/CertificateQueueView.vue"),
      meta: { title: "服务证明" },
    },
    {
      path: "/certificates/:applicationId",
      name: "certificate-application",
      component: () => import("./views/certificates/CertificateReviewView.vue"),
      props: true,
      meta: { title: "证明审核" },
    },
    {
      path: "/devices",
      name: "devices",
      component: () => import("./views/DevicesView.vue"),
      meta: { title: "扫码设备" },
    },
    // Authorized contacts, the authorization log, tags and the org code (O1, O11).
    {
      path: "/admins",
      name: "org-admins",
      component: () => import("./views/admins/AdminsView.vue"),
      meta: { title: "授权管理" },
    },
    // Members (O2): the list, join applications, groups.
    {
      path: "/members",
      name: "members",
      component: () => import("./views/members/MembersView.vue"),
      meta: { title: "成员管理" },
    },
    {
      path: "/members/groups/:groupId",
      name: "member-group",
      component: () => import("./views/members/GroupDetailView.vue"),
      props: true,
      meta: { title: "成员分组" },
    },
    // Notifications (O2, O4, O9): messages to members, sign-ups and child
    // orgs by SMS and in-app, and what became of each.
    {
      path: "/messages",
      name: "messages",
      component: () => import("./views/messages/MessagesView.vue"),
      meta: { title: "已发消息" },
    },
    {
      path: "/messages/new",
      name: "message-new",
      component: () => import("./views/messages/ComposeView.vue"),
      meta: { title: "发消息" },
    },
    {
      path: "/messages/:messageId",
      name: "message",
      component: () => import("./views/messages/MessageView.vue"),
      props: true,
      meta: { title: "消息详情" },
    },
  ],
});
