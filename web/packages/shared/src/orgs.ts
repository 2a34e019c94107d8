// Words of the org and project pages, shared by the org portal and the
// console: org states and levels, project stages, sign-in methods and the
// service categories.
import { OrgLevel, OrgStatus, ProjectStage, ProjectStatus, SignInMethod, SignUpStatus } from "@yima/api";

/** ORG_STATUS_LABEL names org states. */
export const ORG_STATUS_LABEL: Readonly<Record<OrgStatus, string>> = {
  [OrgStatus.UNSPECIFIED]: "未知",
  [OrgStatus.PENDING]: "待审核",
  [OrgStatus.ACTIVE]: "正常",
  [OrgStatus.REJECTED]: "未通过",
  [OrgStatus.DEACTIVATED]: "已停用",
};

/** ORG_LEVEL_LABEL names the levels of the org tree. */
export const ORG_LEVEL_LABEL: Readonly<Record<OrgLevel, string>> = {
  [OrgLevel.UNSPECIFIED]: "未知",
  [OrgLevel.CITY]: "市级",
  [OrgLevel.DISTRICT]: "区级",
  [OrgLevel.STREET]: "街镇级",
  [OrgLevel.COMMUNITY]: "社区级",
  [OrgLevel.OTHER]: "其他",
};

/**
 * SERVICE_CATEGORIES are the platform's service categories in display
 * order, as the server's catalog package declares them.
 */
export const SERVICE_CATEGORIES: readonly string[] = [
  "社区服务",
  "文明交通",
  "环境保护",
  "助老助残",
  "文化教育",
  "大型赛会",
  "应急救援",
  "医疗卫生",
];

/** PROJECT_STAGE_LABEL names the stages of an org's project list. */
export const PROJECT_STAGE_LABEL: Readonly<Record<ProjectStage, string>> = {
  [ProjectStage.UNSPECIFIED]: "未知",
  [ProjectStage.TO_RECRUIT]: "待招募",
  [ProjectStage.RECRUITING]: "招募中",
  [ProjectStage.RUNNING]: "进行中",
  [ProjectStage.CLOSED]: "已结项",
  [ProjectStage.REJECTED]: "未通过",
  [ProjectStage.WITHDRAWN]: "已撤回",
};

/** SIGN_IN_METHOD_LABEL names how a position's volunteers check in. */
export const SIGN_IN_METHOD_LABEL: Readonly<Record<SignInMethod, string>> = {
  [SignInMethod.UNSPECIFIED]: "不限",
  [SignInMethod.STAFF_SCAN]: "工作人员扫码",
  [SignInMethod.SELF_SCAN]: "志愿者自助扫码",
};

/** signInMethodsText names a position's sign-in methods; none means both. */
export function signInMethodsText(ms: readonly SignInMethod[]): string {
  if (!ms.length || ms.length >= 2) return "工作人员扫码、自助扫码均可";
  return SIGN_IN_METHOD_LABEL[ms[0]!] ?? "不限";
}

/** SIGN_UP_STATUS_LABEL names sign-up states. */
export const SIGN_UP_STATUS_LABEL: Readonly<Record<SignUpStatus, string>> = {
  [SignUpStatus.UNSPECIFIED]: "未知",
  [SignUpStatus.PENDING]: "待审核",
  [SignUpStatus.HIRED]: "已录用",
  [SignUpStatus.REJECTED]: "未录用",
  [SignUpStatus.CANCELLED]: "已取消",
};

/** PROJECT_STATUS_TAG is the Vant tag type of each project state. */
export const PROJECT_STATUS_TAG: Readonly<
  Record<ProjectStatus, "primary" | "success" | "warning" | "danger" | "default">
> = {
  [ProjectStatus.UNSPECIFIED]: "default",
  [ProjectStatus.DRAFT]: "default",
  [ProjectStatus.PENDING_REVIEW]: "warning",
  [ProjectStatus.RECRUITING]: "primary",
  [ProjectStatus.REJECTED]: "danger",
  [ProjectStatus.RUNNING]: "success",
  [ProjectStatus.CLOSED]: "default",
  [ProjectStatus.WITHDRAWN]: "default",
};

/** MAX_REASON bounds review and status-change reasons, as the server does. */
export const MAX_REASON = 500;

/**
 * SHANGHAI_BOUNDS is the service area the server accepts locations in
 * (WGS84 degrees, a margin around Shanghai).
 */
export const SHANGHAI_BOUNDS = { minLat: 30.6, maxLat: 31.95, minLng: 120.8, maxLng: 122.3 } as const;

/** inShanghai reports whether a point lies in the service area. */
export function inShanghai(lat: number, lng: number): boolean {
  const b = SHANGHAI_BOUNDS;
  return lat >= b.minLat && lat <= b.maxLat && lng >= b.minLng && lng <= b.maxLng;
}
