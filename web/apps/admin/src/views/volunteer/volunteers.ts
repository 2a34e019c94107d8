// What the volunteer archive pages (S1) share: the service client and the
// words for sign-up, project and session states.
import { VolunteerService, createClient, type Client } from "@yima/api";
import { useSession } from "@yima/shared";

/** useVolunteerClient makes the volunteer service client on the session's transport. */
export function useVolunteerClient(): Client<typeof VolunteerService> {
  return createClient(VolunteerService, useSession().api.transport);
}

/** hours renders service seconds as hours with up to two decimals. */
export function hours(seconds: bigint | number): string {
  return String(Math.round((Number(seconds) * 100) / 3600) / 100);
}

type TagType = "primary" | "success" | "info" | "warning" | "danger";

/** SIGN_UP_STATUS names a sign-up's state, as GetVolunteerDetail spells it, with its tag colour. */
export const SIGN_UP_STATUS: Readonly<Record<string, { label: string; tag: TagType }>> = {
  pending: { label: "待审核", tag: "warning" },
  hired: { label: "已录用", tag: "success" },
  rejected: { label: "未录用", tag: "danger" },
  cancelled: { label: "已取消", tag: "info" },
};

/** PROJECT_STATUS names a project's stage, as GetVolunteerDetail spells it. */
export const PROJECT_STATUS: Readonly<Record<string, string>> = {
  draft: "草稿",
  pending_review: "待审核",
  recruiting: "招募中",
  running: "进行中",
  closed: "已结项",
  rejected: "未通过",
  withdrawn: "已撤回",
};

/** MEMBERSHIP_STATUS names a volunteer's standing in an org. */
export const MEMBERSHIP_STATUS: Readonly<Record<string, string>> = {
  member: "成员",
  pending: "申请中",
};

/** SCAN_METHOD names how a scan was made. */
export const SCAN_METHOD: Readonly<Record<string, string>> = {
  staff: "工作人员扫码",
  self: "志愿者自助扫码",
};

/** CLOSED_BY says what ended a session. */
export const CLOSED_BY: Readonly<Record<string, string>> = {
  scan: "扫码签退",
  auto: "系统自动签退",
  close: "项目结项时签退",
  staff: "工作人员录入",
};

/** FLAG_REASON says why a session waited for a review. */
export const FLAG_REASON: Readonly<Record<string, string>> = {
  OTHER_PROJECT_SIGN_IN: "在其他项目签到",
  PROJECT_ENDED: "项目结束未签退",
  MAX_LENGTH: "超过单次最长时长",
  PROJECT_CLOSED: "结项时未签退",
};

/** REVIEW_ACTION names a reviewer's decision on a session. */
export const REVIEW_ACTION: Readonly<Record<string, string>> = {
  approved: "审核通过",
  adjusted: "调整时间",
  invalidated: "作废",
  manual: "补录",
};

/** label looks a code up in a word list, falling back to the code itself. */
export function label(words: Readonly<Record<string, string>>, code: string): string {
  return words[code] ?? code;
}

/** SYNC_STATE names where a card stands in the city e-license library, with its tag colour. */
export const SYNC_STATE: Readonly<Record<string, { label: string; tag: TagType }>> = {
  "": { label: "未推送", tag: "info" },
  pending: { label: "待同步", tag: "warning" },
  synced: { label: "已同步", tag: "success" },
  failed: { label: "同步失败", tag: "danger" },
};
