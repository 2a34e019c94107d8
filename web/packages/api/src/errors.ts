import { Code, ConnectError } from "@connectrpc/connect";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** ErrorInfo mirrors google.rpc.ErrorInfo, the detail carrying the stable reason code. */
export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

const ERROR_INFO_TYPE = "google.rpc.ErrorInfo";

// decodeErrorInfo reads google.rpc.ErrorInfo from its wire form. The message
// is three fields; decoding it by hand spares the pages a copy of the
// googleapis descriptors.
function decodeErrorInfo(bytes: Uint8Array): ErrorInfo {
  const info: ErrorInfo = { reason: "", domain: "", metadata: {} };
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) info.reason = r.string();
    else if (no === 2 && wt === WireType.LengthDelimited) info.domain = r.string();
    else if (no === 3 && wt === WireType.LengthDelimited) {
      const e = new BinaryReader(r.bytes());
      let k = "";
      let v = "";
      while (e.pos < e.len) {
        const [eno, ewt] = e.tag();
        if (eno === 1 && ewt === WireType.LengthDelimited) k = e.string();
        else if (eno === 2 && ewt === WireType.LengthDelimited) v = e.string();
        else e.skip(ewt, eno);
      }
      info.metadata[k] = v;
    } else r.skip(wt, no);
  }
  return info;
}

/** errorInfo returns the google.rpc.ErrorInfo detail of an RPC error, if any. */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  if (!(err instanceof ConnectError)) return undefined;
  for (const d of err.details) {
    if (!("type" in d) || d.type !== ERROR_INFO_TYPE) continue;
    try {
      return decodeErrorInfo(d.value);
    } catch {
      // A malformed detail is ignored; the code and message still speak.
    }
    if (d.debug && typeof d.debug === "object" && !Array.isArray(d.debug)) {
      const reason = (d.debug as Record<string, unknown>).reason;
      if (typeof reason === "string") return { reason, domain: "", metadata: {} };
    }
  }
  return undefined;
}

/** errorReason returns the stable UPPER_SNAKE reason code of an RPC error, or "". */
export function errorReason(err: unknown): string {
  return errorInfo(err)?.reason ?? "";
}

/** errorCode returns the Connect code of an error, Code.Unknown for non-RPC errors. */
export function errorCode(err: unknown): Code {
  return ConnectError.from(err).code;
}

/**
 * REASON_TEXT translates the server's reason codes for people. Reasons whose
 * server message carries specifics (ROLE_IN_USE names a count, ROLE_BUILTIN
 * and PERMISSION_DENIED say which rule) are left out on purpose: for them the
 * server's own message is shown.
 */
export const REASON_TEXT: Readonly<Record<string, string>> = {
  // sign-in and accounts
  ID_NUMBER_FORMAT: "身份证号格式不正确，应为 17 位数字加 1 位数字或 X",
  ID_NUMBER_CHECKSUM: "身份证号校验位不正确，请核对后重新输入",
  ID_NUMBER_BIRTH_DATE: "身份证号中的出生日期无效",
  ID_NUMBER_REGION: "身份证号中的地区代码无效",
  NAME_REQUIRED: "请输入姓名",
  LOGIN_KIND_INVALID: "请填写身份证号和姓名，或填写后台用户名",
  USERNAME_UNKNOWN: "没有这个后台用户",
  DEV_ONLY: "当前环境未开放开发登录",
  IDENTITY_MISMATCH: "该身份已绑定其他证件号码",
  TOKEN_MISSING: "请先登录",
  TOKEN_INVALID: "登录凭证无效，请重新登录",
  TOKEN_EXPIRED: "登录已过期，请重新登录",
  TOKEN_REVOKED: "已退出登录，请重新登录",
  ACCOUNT_NOT_FOUND: "账号不存在",
  ACCOUNT_INACTIVE: "组织尚未通过审核或已停用，账号暂不可用",
  ACCOUNT_EXPIRED: "账号授权已过期",
  ACCOUNT_NOT_YET_VALID: "账号授权尚未生效",
  ACCOUNT_DISABLED: "账号已停用",
  // back office
  ROLE_NOT_FOUND: "角色不存在",
  ROLE_KEY_INVALID: "权限字符须为小写字母开头，由小写字母、数字和下划线组成",
  ROLE_KEY_TAKEN: "权限字符已被其他角色使用，请换一个",
  ROLE_NAME_INVALID: "角色名称不能为空且不超过 64 个字",
  DATA_SCOPE_INVALID: "请选择数据范围",
  MENU_UNKNOWN: "包含不存在的菜单",
  DEPARTMENT_NOT_FOUND: "部门不存在",
  DEPARTMENT_UNKNOWN: "包含不存在的部门",
  DEPARTMENT_NAME_INVALID: "部门名称不能为空且不超过 64 个字",
  DEPARTMENT_NOT_EMPTY: "部门下还有子部门或用户，不能删除",
  DEPARTMENT_IN_USE: "部门仍被角色或用户引用，不能删除",
  DEPARTMENT_ROOT: "根部门不能删除",
  ORG_NOT_FOUND: "组织不存在",
  USERNAME_INVALID: "用户名须为小写字母开头，由小写字母、数字和下划线组成",
  USERNAME_TAKEN: "用户名已被使用",
  STAFF_NOT_FOUND: "用户不存在",
  PAGE_TOKEN_INVALID: "分页已失效，请回到第一页重新查询",
  // check-in (golden path)
  CODE_INVALID: "无效的二维码",
  CODE_EXPIRED: "二维码已过期，请刷新后重试",
  CODE_REVOKED: "二维码已失效",
  NOT_ON_ROSTER: "该志愿者不在本项目的录用名单中",
  OUTSIDE_WINDOW: "不在项目签到时间内",
  METHOD_NOT_ALLOWED: "该岗位不允许此签到方式",
  TOO_FAR: "距离项目地点过远",
};

const CODE_TEXT: Partial<Record<Code, string>> = {
  [Code.Canceled]: "请求已取消",
  [Code.Unknown]: "发生未知错误",
  [Code.InvalidArgument]: "提交的信息有误",
  [Code.DeadlineExceeded]: "请求超时，请稍后重试",
  [Code.NotFound]: "要找的内容不存在",
  [Code.AlreadyExists]: "内容已存在",
  [Code.PermissionDenied]: "您没有执行此操作的权限",
  [Code.ResourceExhausted]: "操作过于频繁，请稍后再试",
  [Code.FailedPrecondition]: "当前状态下不能执行此操作",
  [Code.Aborted]: "操作冲突，请重试",
  [Code.Unimplemented]: "服务暂不支持此功能",
  [Code.Internal]: "服务器内部错误，请稍后重试",
  [Code.Unavailable]: "网络连接失败，请检查网络后重试",
  [Code.Unauthenticated]: "登录已失效，请重新登录",
};

/**
 * errorMessage turns any error into a sentence for people: a known reason
 * code first, then the server's own message (written for people, in
 * Chinese where it matters), then a sentence for the Connect code.
 */
export function errorMessage(err: unknown): string {
  const reason = errorReason(err);
  if (reason && REASON_TEXT[reason]) return REASON_TEXT[reason];
  const ce = ConnectError.from(err);
  // Transport failures carry browser messages ("Failed to fetch") that say
  // nothing to a volunteer; the code's sentence is better.
  if (ce.code === Code.Unavailable || ce.code === Code.Canceled || ce.code === Code.DeadlineExceeded) {
    return CODE_TEXT[ce.code]!;
  }
  if (ce.code === Code.Internal) return CODE_TEXT[Code.Internal]!;
  if (ce.rawMessage && ce.rawMessage !== "internal error") return ce.rawMessage;
  return CODE_TEXT[ce.code] ?? "发生未知错误";
}
