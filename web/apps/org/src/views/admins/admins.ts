// What the org portal's authorization pages share: the OrgAdminService
// client, labels of org users and log entries, and the validity periods a
// leader picks from.
import { AuthorizationAction, createClient, OrgAdminService, OrgUserRole, OrgUserStatus, type Client } from "@yima/api";
import { useSession } from "@yima/shared";

/** useOrgAdminClient makes the OrgAdminService client of the session. */
export function useOrgAdminClient(): Client<typeof OrgAdminService> {
  return createClient(OrgAdminService, useSession().api.transport);
}

/** MAX_TAGS and MAX_TAG_LENGTH are the server's limits on an org's tags. */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 20;

/** MAX_DUTIES is the server's limit on an admin's duties, in characters. */
export const MAX_DUTIES = 200;

export const ROLE_LABEL: Readonly<Record<OrgUserRole, string>> = {
  [OrgUserRole.UNSPECIFIED]: "",
  [OrgUserRole.LEADER]: "负责人",
  [OrgUserRole.ADMIN]: "管理员",
};

type TagType = "primary" | "success" | "warning" | "danger" | "default";

export const USER_STATUS: Readonly<Record<OrgUserStatus, { text: string; type: TagType }>> = {
  [OrgUserStatus.UNSPECIFIED]: { text: "未知", type: "default" },
  [OrgUserStatus.ACTIVE]: { text: "有效", type: "success" },
  [OrgUserStatus.PENDING]: { text: "未生效", type: "primary" },
  [OrgUserStatus.EXPIRED]: { text: "已过期", type: "warning" },
  [OrgUserStatus.REVOKED]: { text: "已撤销", type: "danger" },
};

export const ACTION_LABEL: Readonly<Record<AuthorizationAction, { text: string; type: TagType }>> = {
  [AuthorizationAction.UNSPECIFIED]: { text: "未知", type: "default" },
  [AuthorizationAction.GRANT]: { text: "授权", type: "success" },
  [AuthorizationAction.REVOKE]: { text: "撤销", type: "danger" },
  [AuthorizationAction.CHANGE]: { text: "修改期限", type: "primary" },
  [AuthorizationAction.EXPIRE]: { text: "到期", type: "warning" },
};

/** PERIODS are the validity periods offered first; a date may be picked too. */
export const PERIODS: ReadonlyArray<{ text: string; months: number }> = [
  { text: "1个月", months: 1 },
  { text: "3个月", months: 3 },
  { text: "半年", months: 6 },
  { text: "1年", months: 12 },
  { text: "3年", months: 36 },
];

/** MAX_YEARS is how far ahead a delegation may end (the server's bound). */
export const MAX_YEARS = 3;

/**
 * periodEnd is the last second of the day before the same date months
 * after from: "1年" from 5 May ends on 4 May at 23:59:59, within the
 * server's bound of three calendar years.
 */
export function periodEnd(months: number, from: Date = new Date()): Date {
  return new Date(from.getFullYear(), from.getMonth() + months, from.getDate() - 1, 23, 59, 59);
}

/** latestEnd is the last day a delegation may end on. */
export function latestEnd(from: Date = new Date()): Date {
  return periodEnd(MAX_YEARS * 12, from);
}

/** endOfDate is the last second of a picked calendar day. */
export function endOfDate(y: number, m: number, d: number): Date {
  return new Date(y, m - 1, d, 23, 59, 59);
}
