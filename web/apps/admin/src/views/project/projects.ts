// What the project pages of the console share: labels and colours of
// project states, stages and sign-in methods, and totals over positions.
import { ProjectStage, ProjectStatus, SignInMethod, type Project } from "@yima/api";
import { PROJECT_STATUS_LABEL } from "@yima/shared";
import { ElMessage, confirm, toastError } from "../../feedback";
import { askReason, type OrgClients } from "../org/orgs";

export { PROJECT_STATUS_LABEL };

type TagType = "primary" | "success" | "info" | "warning" | "danger";

/** PROJECT_STATUS_TAG colours project states. */
export const PROJECT_STATUS_TAG: Readonly<Record<ProjectStatus, TagType>> = {
  [ProjectStatus.UNSPECIFIED]: "info",
  [ProjectStatus.DRAFT]: "info",
  [ProjectStatus.PENDING_REVIEW]: "warning",
  [ProjectStatus.RECRUITING]: "success",
  [ProjectStatus.REJECTED]: "danger",
  [ProjectStatus.RUNNING]: "primary",
  [ProjectStatus.CLOSED]: "info",
  [ProjectStatus.WITHDRAWN]: "info",
};

/** PROJECT_STAGE_LABEL names the stages of approved projects. */
export const PROJECT_STAGE_LABEL: Readonly<Record<ProjectStage, string>> = {
  [ProjectStage.UNSPECIFIED]: "",
  [ProjectStage.TO_RECRUIT]: "待招募",
  [ProjectStage.RECRUITING]: "招募中",
  [ProjectStage.RUNNING]: "进行中",
  [ProjectStage.CLOSED]: "已结项",
  [ProjectStage.REJECTED]: "未通过",
  [ProjectStage.WITHDRAWN]: "已撤回",
};

/** APPROVED_STATUSES are the states of projects that passed review. */
export const APPROVED_STATUSES: readonly ProjectStatus[] = [
  ProjectStatus.RECRUITING,
  ProjectStatus.RUNNING,
  ProjectStatus.CLOSED,
];

/** SIGN_IN_METHOD_LABEL names how a position's volunteers check in. */
export const SIGN_IN_METHOD_LABEL: Readonly<Record<SignInMethod, string>> = {
  [SignInMethod.UNSPECIFIED]: "",
  [SignInMethod.STAFF_SCAN]: "工作人员扫志愿者码",
  [SignInMethod.SELF_SCAN]: "志愿者扫项目码",
};

/** SIGN_IN_METHOD_OPTIONS are the selectable sign-in methods. */
export const SIGN_IN_METHOD_OPTIONS = [SignInMethod.STAFF_SCAN, SignInMethod.SELF_SCAN].map((value) => ({
  value,
  label: SIGN_IN_METHOD_LABEL[value],
}));

/** methodsText names a position's sign-in methods; none means both. */
export function methodsText(ms: readonly SignInMethod[]): string {
  return ms.length ? ms.map((m) => SIGN_IN_METHOD_LABEL[m]).join("、") : "均可";
}

/** statusText names a project's state, by its stage when it has one. */
export function statusText(p: Pick<Project, "status" | "stage">): string {
  return PROJECT_STAGE_LABEL[p.stage] || PROJECT_STATUS_LABEL[p.status];
}

/** hired counts a project's hired volunteers over its positions. */
export function hired(p: Pick<Project, "positions">): number {
  return p.positions.reduce((n, x) => n + x.hired, 0);
}

/** quota sums a project's position quotas. */
export function quota(p: Pick<Project, "positions">): number {
  return p.positions.reduce((n, x) => n + x.quota, 0);
}

/**
 * reviewProject approves a pending project after a confirmation, or
 * rejects it with a reason; it resolves the reviewed project, or undefined
 * when cancelled or refused (the error shown).
 */
export async function reviewProject(
  client: OrgClients["projects"],
  p: Project,
  approve: boolean,
): Promise<Project | undefined> {
  let reason = "";
  if (approve) {
    if (!(await confirm(`确定通过项目「${p.title}」吗？通过后即开始招募。`, "审核通过"))) return undefined;
  } else {
    const r = await askReason("驳回项目", `请填写驳回「${p.title}」的原因，发布组织将看到该原因。`, "驳回");
    if (r === undefined) return undefined;
    reason = r;
  }
  try {
    const res = await client.reviewProject({ projectId: p.id, approve, reason });
    ElMessage.success(approve ? "项目已通过审核" : "项目已驳回");
    return res.project;
  } catch (err) {
    toastError(err);
    return undefined;
  }
}
