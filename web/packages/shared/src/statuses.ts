// Labels of role, menu and project states, apart from labels.ts: the
// account labels every app shows at start would otherwise bring the rbac
// and project services' descriptors into the first bundle.
import { DataScope, MenuKind, ProjectStatus, RoleStatus } from "@yima/api";

/** DATA_SCOPE_LABEL names role data scopes as RuoYi users know them. */
export const DATA_SCOPE_LABEL: Readonly<Record<DataScope, string>> = {
  [DataScope.UNSPECIFIED]: "未设置",
  [DataScope.ALL]: "全部",
  [DataScope.CUSTOM]: "自定义",
  [DataScope.DEPARTMENT]: "本部门",
  [DataScope.DEPARTMENT_AND_BELOW]: "本部门及以下",
  [DataScope.SELF]: "仅本人",
};

/** DATA_SCOPE_OPTIONS lists the selectable data scopes in order. */
export const DATA_SCOPE_OPTIONS: ReadonlyArray<{ value: DataScope; label: string }> = [
  DataScope.ALL,
  DataScope.CUSTOM,
  DataScope.DEPARTMENT,
  DataScope.DEPARTMENT_AND_BELOW,
  DataScope.SELF,
].map((value) => ({ value, label: DATA_SCOPE_LABEL[value] }));

/** ROLE_STATUS_LABEL names role states. */
export const ROLE_STATUS_LABEL: Readonly<Record<RoleStatus, string>> = {
  [RoleStatus.UNSPECIFIED]: "未知",
  [RoleStatus.ACTIVE]: "正常",
  [RoleStatus.DISABLED]: "停用",
};

/** MENU_KIND_LABEL names menu entry kinds. */
export const MENU_KIND_LABEL: Readonly<Record<MenuKind, string>> = {
  [MenuKind.UNSPECIFIED]: "未知",
  [MenuKind.DIRECTORY]: "目录",
  [MenuKind.MENU]: "菜单",
  [MenuKind.BUTTON]: "按钮",
};

/** PROJECT_STATUS_LABEL names project states (RUNNING follows the clock). */
export const PROJECT_STATUS_LABEL: Readonly<Record<ProjectStatus, string>> = {
  [ProjectStatus.UNSPECIFIED]: "未知",
  [ProjectStatus.DRAFT]: "草稿",
  [ProjectStatus.PENDING_REVIEW]: "待审核",
  [ProjectStatus.RECRUITING]: "招募中",
  [ProjectStatus.REJECTED]: "未通过",
  [ProjectStatus.RUNNING]: "进行中",
  [ProjectStatus.CLOSED]: "已结项",
  [ProjectStatus.WITHDRAWN]: "已撤回",
};
