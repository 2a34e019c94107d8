import { AccountKind, DataScope, MenuKind, RoleStatus } from "@yima/api";

/** ACCOUNT_KIND_LABEL names account kinds the way people say them. */
export const ACCOUNT_KIND_LABEL: Readonly<Record<AccountKind, string>> = {
  [AccountKind.UNSPECIFIED]: "未知",
  [AccountKind.CITIZEN]: "市民",
  [AccountKind.VOLUNTEER]: "志愿者",
  [AccountKind.ORG_LEADER]: "组织负责人",
  [AccountKind.ORG_ADMIN]: "组织管理员",
  [AccountKind.STAFF]: "后台人员",
};

/** accountKindLabel names an account kind. */
export function accountKindLabel(kind: AccountKind | undefined): string {
  return ACCOUNT_KIND_LABEL[kind ?? AccountKind.UNSPECIFIED] ?? "未知";
}

/** isOrgAccount is true for org leader and org admin accounts. */
export function isOrgAccount(kind: AccountKind | undefined): boolean {
  return kind === AccountKind.ORG_LEADER || kind === AccountKind.ORG_ADMIN;
}

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
