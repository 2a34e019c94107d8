// Element Plus's function APIs are not seen by the component resolver, so
// they and their styles are imported here.
import "element-plus/es/components/message/style/css";
import "element-plus/es/components/message-box/style/css";
import { ElMessage, ElMessageBox } from "element-plus";
import { errorMessage } from "@yima/api";

export { ElMessage, ElMessageBox };

/** toastError shows an RPC error as a message. */
export function toastError(err: unknown): void {
  ElMessage.error({ message: errorMessage(err), grouping: true });
}

/** confirm asks before a consequential action; it resolves false when cancelled. */
export async function confirm(message: string, title = "提示", danger = false): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: "warning",
      confirmButtonText: "确定",
      cancelButtonText: "取消",
      confirmButtonClass: danger ? "el-button--danger" : undefined,
    });
    return true;
  } catch {
    return false;
  }
}
