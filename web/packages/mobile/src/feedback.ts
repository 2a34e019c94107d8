// Vant's function APIs do not go through the component resolver, so their
// styles are imported here once.
import "vant/es/toast/style";
import "vant/es/dialog/style";
export { closeToast, showConfirmDialog, showFailToast, showLoadingToast, showSuccessToast, showToast } from "vant";
