// Words for notifications (O2, O4, O9, S4), shared by the org portal, the
// console and the volunteer inbox.
import { DeliveryStatus, MessageChannel, MessageStatus } from "@yima/api";

/** SMS_SIGNATURE starts every text; the server adds it when sending. */
export const SMS_SIGNATURE = "【一码做志愿】";

/** SMS_MAX and APP_MAX bound a message body with and without SMS. */
export const SMS_MAX = 500;
export const APP_MAX = 2000;

/** MESSAGE_STATUS_LABEL names message states. */
export const MESSAGE_STATUS_LABEL: Readonly<Record<MessageStatus, string>> = {
  [MessageStatus.UNSPECIFIED]: "未知",
  [MessageStatus.SCHEDULED]: "定时待发",
  [MessageStatus.RELEASED]: "已发出",
  [MessageStatus.CANCELLED]: "已取消",
};

/** DELIVERY_STATUS_LABEL names one recipient's delivery state. */
export const DELIVERY_STATUS_LABEL: Readonly<Record<DeliveryStatus, string>> = {
  [DeliveryStatus.UNSPECIFIED]: "未知",
  [DeliveryStatus.QUEUED]: "排队中",
  [DeliveryStatus.SENDING]: "发送中",
  [DeliveryStatus.SENT]: "已发送",
  [DeliveryStatus.FAILED]: "发送失败",
  [DeliveryStatus.RATE_LIMITED]: "超过频次",
  [DeliveryStatus.IN_APP_ONLY]: "仅站内信",
  [DeliveryStatus.CANCELLED]: "已取消",
};

/** deliveryTone is the tag colour of a delivery state: Vant's and Element Plus's names agree. */
export function deliveryTone(s: DeliveryStatus): "success" | "warning" | "danger" | "primary" {
  switch (s) {
    case DeliveryStatus.SENT:
      return "success";
    case DeliveryStatus.FAILED:
      return "danger";
    case DeliveryStatus.RATE_LIMITED:
    case DeliveryStatus.IN_APP_ONLY:
    case DeliveryStatus.CANCELLED:
      return "warning";
    default:
      return "primary";
  }
}

/** NOTE_TEXT explains a delivery's reason code; gateway codes show as sent. */
export const NOTE_TEXT: Readonly<Record<string, string>> = {
  NO_PHONE: "无手机号，已放入站内信",
  SMS_NOT_REQUESTED: "未选择短信",
  PHONE_HOURLY_LIMIT: "该号码1小时内短信过多，已放入站内信",
  PHONE_MINUTE_LIMIT: "该号码1分钟内短信过多，稍后重发",
  PHONE_UNREADABLE: "手机号无法解密",
  INVALID_PHONE: "号码无效",
  CONTENT_REJECTED: "内容未通过网关审核",
  PHONE_BLOCKED: "用户已退订或号码被屏蔽",
  TIMEOUT: "网关超时",
  GATEWAY_UNREACHABLE: "网关无法连接",
  BUSY: "网关繁忙",
  THROTTLED: "网关限流",
};

/** noteText explains a note, or shows it as it is. */
export function noteText(note: string): string {
  return NOTE_TEXT[note] ?? note;
}

/** channelsLabel names a message's channels: "短信 + 站内信". */
export function channelsLabel(cs: readonly MessageChannel[]): string {
  return cs.map((c) => (c === MessageChannel.SMS ? "短信" : c === MessageChannel.IN_APP ? "站内信" : "")).join(" + ");
}
