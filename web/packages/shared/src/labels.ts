import { AccountKind } from "@yima/api";

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

const KIND_HINT: Readonly<Record<AccountKind, string>> = {
  [AccountKind.UNSPECIFIED]: "",
  [AccountKind.CITIZEN]: "随申办实名账号",
  [AccountKind.VOLUNTEER]: "上海市注册志愿者",
  [AccountKind.ORG_LEADER]: "组织负责人",
  [AccountKind.ORG_ADMIN]: "组织管理员",
  [AccountKind.STAFF]: "管理后台账号",
};

/** AccountLike is what the label helpers read of an account. */
export interface AccountLike {
  kind: AccountKind;
  displayName: string;
}

/**
 * accountName is what to call an account in a list. Org accounts are named
 * by their org ("徐汇区志愿者协会 · 负责人" → "徐汇区志愿者协会") and staff
 * accounts by their username ("后台人员 · admin" → "admin"), since the kind
 * is shown beside them (accountDetail); citizen and volunteer accounts by
 * their kind.
 */
export function accountName(a: AccountLike): string {
  const kind = accountKindLabel(a.kind);
  const name = (a.displayName ?? "").trim();
  if (!name) return kind;
  if (isOrgAccount(a.kind)) {
    const i = name.lastIndexOf(" · ");
    return i > 0 ? name.slice(0, i) : name;
  }
  if (name.startsWith(`${kind} · `)) return name.slice(kind.length + 3).trim() || kind;
  return name;
}

/**
 * accountLabel goes beside the kind (a badge, "后台人员 · …"): the account's
 * name, or for citizen and volunteer accounts, what the kind means.
 */
export function accountLabel(a: AccountLike): string {
  const name = accountName(a);
  return name === accountKindLabel(a.kind) ? KIND_HINT[a.kind] || name : name;
}

/**
 * accountDetail is the line under accountName: the kind, or for citizen and
 * volunteer accounts, whose name is their kind, what the kind means.
 */
export function accountDetail(a: AccountLike): string {
  const kind = accountKindLabel(a.kind);
  return accountName(a) === kind ? KIND_HINT[a.kind] || kind : kind;
}

/** avatarText is the one or two characters shown in a person's avatar. */
export function avatarText(name: string | undefined): string {
  const n = (name ?? "").trim();
  if (!n) return "我";
  // Chinese given names: the last two characters, as colleagues call each other.
  if (/^[\u4e00-\u9fa5]{2,3}$/.test(n)) return n.slice(-2);
  return n.slice(0, 1).toUpperCase();
}
