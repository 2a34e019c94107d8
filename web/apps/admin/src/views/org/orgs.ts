// What the org and project pages of the console share: service clients,
// labels of org states and levels, the service categories, asking for a
// required reason, and reviewing and (de)activating orgs.
import {
  CheckinStaffService,
  MemberService,
  OrgAdminService,
  OrgLevel,
  OrgService,
  OrgStatus,
  ProjectService,
  createClient,
  type Client,
  type Org,
  type Timestamp,
} from "@yima/api";
import { useSession } from "@yima/shared";
import { ElMessage, ElMessageBox, confirm, toastError } from "../../feedback";

/** OrgClients are the services the org and project pages call. */
export interface OrgClients {
  orgs: Client<typeof OrgService>;
  orgAdmin: Client<typeof OrgAdminService>;
  members: Client<typeof MemberService>;
  projects: Client<typeof ProjectService>;
  checkin: Client<typeof CheckinStaffService>;
}

/** useOrgClients makes the org and project clients on the session's transport. */
export function useOrgClients(): OrgClients {
  const t = useSession().api.transport;
  return {
    orgs: createClient(OrgService, t),
    orgAdmin: createClient(OrgAdminService, t),
    members: createClient(MemberService, t),
    projects: createClient(ProjectService, t),
    checkin: createClient(CheckinStaffService, t),
  };
}

/** CodeLinks are what GetProjectCodeLinks and GetOrgCodeLinks answer. */
export interface CodeLinks {
  pngUrl: string;
  svgUrl: string;
  printUrl: string;
  expiresAt?: Timestamp;
}

type TagType = "primary" | "success" | "info" | "warning" | "danger";

/** ORG_STATUS_LABEL names org states. */
export const ORG_STATUS_LABEL: Readonly<Record<OrgStatus, string>> = {
  [OrgStatus.UNSPECIFIED]: "未知",
  [OrgStatus.PENDING]: "待审核",
  [OrgStatus.ACTIVE]: "正常",
  [OrgStatus.REJECTED]: "未通过",
  [OrgStatus.DEACTIVATED]: "已停用",
};

/** ORG_STATUS_TAG colours org states. */
export const ORG_STATUS_TAG: Readonly<Record<OrgStatus, TagType>> = {
  [OrgStatus.UNSPECIFIED]: "info",
  [OrgStatus.PENDING]: "warning",
  [OrgStatus.ACTIVE]: "success",
  [OrgStatus.REJECTED]: "danger",
  [OrgStatus.DEACTIVATED]: "info",
};

/** ORG_STATUS_OPTIONS are the states a list filters by. */
export const ORG_STATUS_OPTIONS = [OrgStatus.ACTIVE, OrgStatus.PENDING, OrgStatus.REJECTED, OrgStatus.DEACTIVATED].map(
  (value) => ({ value, label: ORG_STATUS_LABEL[value] }),
);

/** ORG_LEVEL_LABEL names the levels of the org tree. */
export const ORG_LEVEL_LABEL: Readonly<Record<OrgLevel, string>> = {
  [OrgLevel.UNSPECIFIED]: "未知",
  [OrgLevel.CITY]: "市级",
  [OrgLevel.DISTRICT]: "区级",
  [OrgLevel.STREET]: "街镇级",
  [OrgLevel.COMMUNITY]: "社区级",
  [OrgLevel.OTHER]: "其他",
};

/** ORG_LEVEL_OPTIONS are the levels a list filters by. */
export const ORG_LEVEL_OPTIONS = [
  OrgLevel.CITY,
  OrgLevel.DISTRICT,
  OrgLevel.STREET,
  OrgLevel.COMMUNITY,
  OrgLevel.OTHER,
].map((value) => ({ value, label: ORG_LEVEL_LABEL[value] }));

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

/** MAX_REASON bounds review and status-change reasons, as the server does. */
export const MAX_REASON = 500;

/**
 * askReason asks for a reason that may not be empty (a rejection, a
 * deactivation); it resolves undefined when cancelled.
 */
export async function askReason(title: string, message: string, confirmText = "确定"): Promise<string | undefined> {
  try {
    const { value } = await ElMessageBox.prompt(message, title, {
      inputType: "textarea",
      inputPlaceholder: `必填，不超过${MAX_REASON}字`,
      confirmButtonText: confirmText,
      cancelButtonText: "取消",
      customClass: "reason-box",
      inputValidator: (v: string) => {
        const s = (v ?? "").trim();
        if (!s) return "请填写原因";
        if ([...s].length > MAX_REASON) return `原因不能超过${MAX_REASON}字`;
        return true;
      },
    });
    return value.trim();
  } catch {
    return undefined;
  }
}

/**
 * setOrgActive deactivates or reactivates an org after asking why; it
 * resolves the changed org, or undefined when cancelled or refused (the
 * error shown).
 */
export async function setOrgActive(client: OrgClients["orgs"], o: Org, active: boolean): Promise<Org | undefined> {
  const reason = active
    ? await askReason("恢复组织", `请填写恢复「${o.name}」的原因。`, "恢复")
    : await askReason("停用组织", `停用后「${o.name}」的负责人和管理员账号立即失效。请填写停用原因。`, "停用");
  if (reason === undefined) return undefined;
  try {
    const res = active
      ? await client.reactivateOrg({ orgId: o.id, reason })
      : await client.deactivateOrg({ orgId: o.id, reason });
    ElMessage.success(active ? "组织已恢复" : "组织已停用");
    return res.org;
  } catch (err) {
    toastError(err);
    return undefined;
  }
}

/**
 * reviewOrgApplication admits a pending org after a confirmation, or
 * rejects it with a reason; it resolves the reviewed org, or undefined when
 * cancelled or refused (the error shown).
 */
export async function reviewOrgApplication(
  client: OrgClients["orgs"],
  o: Org,
  approve: boolean,
): Promise<Org | undefined> {
  let reason = "";
  if (approve) {
    if (!(await confirm(`确定通过「${o.name}」的成立申请吗？通过后其负责人即可使用组织账号。`, "审核通过")))
      return undefined;
  } else {
    const r = await askReason("驳回申请", `请填写驳回「${o.name}」的原因，申请人将看到该原因。`, "驳回");
    if (r === undefined) return undefined;
    reason = r;
  }
  try {
    const res = await client.reviewOrg({ orgId: o.id, approve, reason });
    ElMessage.success(approve ? "已通过审核" : "已驳回申请");
    return res.org;
  } catch (err) {
    toastError(err);
    return undefined;
  }
}
