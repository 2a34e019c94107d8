import { ref } from "vue";
import { errorMessage, type Account } from "@yima/api";
import { accountName, useSession } from "@yima/shared";
import { closeToast, showFailToast, showLoadingToast, showSuccessToast } from "./feedback";

/** useSwitchAccount switches the active account with progress and result toasts. */
export function useSwitchAccount() {
  const session = useSession();
  const switching = ref(false);
  async function switchTo(a: Account): Promise<boolean> {
    if (a.active || switching.value) return false;
    switching.value = true;
    showLoadingToast({ message: "正在切换…", forbidClick: true, duration: 0 });
    try {
      const now = await session.switchAccount(a.id);
      closeToast();
      showSuccessToast(now ? `已切换为${accountName(now)}` : "已切换");
      return true;
    } catch (err) {
      closeToast();
      showFailToast(errorMessage(err));
      return false;
    } finally {
      switching.value = false;
    }
  }
  return { switching, switchTo };
}
