// What the user center pages (V9) share: the clients of the signed-in
// session, the words for states, the profile choices the server accepts
// (catalog/catalog.go, services/volunteer/profile.go) and hours.
import {
  CertificateApplicationStatus,
  CertificateService,
  createClient,
  MemberService,
  MemberStatus,
  ProjectService,
  RecordCheckService,
  RecordCheckStatus,
  RecordService,
  VolunteerService,
} from "@yima/api";
import { formatHours, useSession } from "@yima/shared";

/** useMeClients makes the clients the user center pages call. */
export function useMeClients() {
  const t = useSession().api.transport;
  return {
    volunteers: createClient(VolunteerService, t),
    records: createClient(RecordService, t),
    projects: createClient(ProjectService, t),
    members: createClient(MemberService, t),
    certificates: createClient(CertificateService, t),
    recordChecks: createClient(RecordCheckService, t),
  };
}

type TagType = "primary" | "success" | "warning" | "danger" | "default";

/** POLITICAL_STATUSES are the 政治面貌 the server accepts, in form order. */
export const POLITICAL_STATUSES: readonly string[] = ["中共党员", "中共预备党员", "共青团员", "民主党派", "群众"];

/** SERVICE_CATEGORIES are the platform's service categories, in display order. */
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

/** Limits the server enforces on the profile. */
export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 12;
export const MAX_NOTE = 200;
export const MAX_PURPOSE = 200;

/** WEEKDAYS and DAY_PARTS make the weekly slots, "sat_morning". */
export const WEEKDAYS: ReadonlyArray<{ key: string; label: string }> = [
  { key: "mon", label: "周一" },
  { key: "tue", label: "周二" },
  { key: "wed", label: "周三" },
  { key: "thu", label: "周四" },
  { key: "fri", label: "周五" },
  { key: "sat", label: "周六" },
  { key: "sun", label: "周日" },
];
export const DAY_PARTS: ReadonlyArray<{ key: string; label: string }> = [
  { key: "morning", label: "上午" },
  { key: "afternoon", label: "下午" },
  { key: "evening", label: "晚上" },
];

/** slotLabel names a slot: "sat_morning" → "周六上午". */
export function slotLabel(slot: string): string {
  const [d, p] = slot.split("_");
  const day = WEEKDAYS.find((w) => w.key === d)?.label ?? d;
  const part = DAY_PARTS.find((x) => x.key === p)?.label ?? p;
  return `${day}${part}`;
}

/** hours renders seconds as hours with at most one decimal: "12.5" (formatHours). */
export const hours = formatHours;

/** CERT_STATUS names certificate application states with their tag type. */
export const CERT_STATUS: Readonly<Record<CertificateApplicationStatus, { text: string; type: TagType }>> = {
  [CertificateApplicationStatus.UNSPECIFIED]: { text: "未知", type: "default" },
  [CertificateApplicationStatus.PENDING]: { text: "待审核", type: "warning" },
  [CertificateApplicationStatus.ISSUED]: { text: "已出具", type: "success" },
  [CertificateApplicationStatus.REJECTED]: { text: "已驳回", type: "danger" },
};

/** MEMBER_STATUS names membership states with their tag type. */
export const MEMBER_STATUS: Readonly<Record<MemberStatus, { text: string; type: TagType }>> = {
  [MemberStatus.UNSPECIFIED]: { text: "未知", type: "default" },
  [MemberStatus.PENDING]: { text: "待审核", type: "warning" },
  [MemberStatus.MEMBER]: { text: "已加入", type: "success" },
  [MemberStatus.REJECTED]: { text: "未通过", type: "danger" },
  [MemberStatus.LEFT]: { text: "已退出", type: "default" },
};

/** RECORD_CHECK_STATUS names no-criminal-record application states. */
export const RECORD_CHECK_STATUS: Readonly<Record<RecordCheckStatus, { text: string; type: TagType }>> = {
  [RecordCheckStatus.UNSPECIFIED]: { text: "未知", type: "default" },
  [RecordCheckStatus.SUBMITTED]: { text: "已提交", type: "primary" },
  [RecordCheckStatus.SENT]: { text: "核查中", type: "warning" },
  [RecordCheckStatus.CLEAR]: { text: "无犯罪记录", type: "success" },
  [RecordCheckStatus.RECORD_FOUND]: { text: "有犯罪记录", type: "danger" },
  [RecordCheckStatus.REJECTED]: { text: "未受理", type: "danger" },
};

/** RECORD_CHECK_OPEN are the states that still wait for the department. */
export function recordCheckOpen(s: RecordCheckStatus): boolean {
  return s === RecordCheckStatus.SUBMITTED || s === RecordCheckStatus.SENT;
}
