// What the member pages (O2) share: the MemberService client, the words
// for membership states, the limits the server enforces, and hours.
import { createClient, MemberService, MemberStatus, type Client } from "@yima/api";
import { useSession } from "@yima/shared";

/** useMemberClient makes the MemberService client of the signed-in session. */
export function useMemberClient(): Client<typeof MemberService> {
  return createClient(MemberService, useSession().api.transport);
}

/** MEMBER_STATUS_LABEL names membership states. */
export const MEMBER_STATUS_LABEL: Readonly<Record<MemberStatus, string>> = {
  [MemberStatus.UNSPECIFIED]: "未知",
  [MemberStatus.PENDING]: "待审核",
  [MemberStatus.MEMBER]: "成员",
  [MemberStatus.REJECTED]: "未通过",
  [MemberStatus.LEFT]: "已退出",
};

/** POLITICAL_STATUSES are the 政治面貌 of registration forms, in form order. */
export const POLITICAL_STATUSES: readonly string[] = ["中共党员", "中共预备党员", "共青团员", "民主党派", "群众"];

/** Limits the server enforces on personal tags, groups and feedback. */
export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 12;
export const MAX_GROUP_NAME = 20;
export const MAX_GROUP_DESCRIPTION = 200;
export const MAX_FEEDBACK = 200;

/** hours renders credited seconds as hours with one decimal: "12.5 小时". */
export function hours(seconds: bigint | number | undefined): string {
  const h = Number(seconds ?? 0) / 3600;
  return `${h >= 100 ? Math.round(h) : Math.round(h * 10) / 10} 小时`;
}
