// useVolunteerCode keeps the volunteer's live code (GetVolunteerCode) for
// a page that shows it: fetched on mounting, fetched again shortly before
// it expires, never while the page is hidden, and once more when the page
// comes back into view. CodeView (我的志愿者码) and CardView (电子志愿者证)
// draw it with QrCanvas.
import { computed, onBeforeUnmount, onMounted, ref } from "vue";
import {
  AccountKind,
  CheckinService,
  Code,
  ConnectError,
  createClient,
  errorMessage,
  errorReason,
  timestampDate,
} from "@yima/api";
import { markUsable, useSession } from "@yima/shared";

// Refresh this long before expiry, so a code being scanned is still good.
const MARGIN_MS = 10_000;

export interface VolunteerCodeOptions {
  /** onVisible runs whenever the page comes back into view. */
  onVisible?: () => void;
}

/** useVolunteerCode must be called in a component's setup. */
export function useVolunteerCode(opts: VolunteerCodeOptions = {}) {
  const session = useSession();
  const checkin = createClient(CheckinService, session.api.transport);
  const payload = ref("");
  const error = ref("");
  const notVolunteer = ref(false);
  const loading = ref(false);
  // deadline is when the shown code expires, on this device's clock.
  const deadline = ref(0);
  const now = ref(Date.now());
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let clock: ReturnType<typeof setInterval> | undefined;

  /** left is the seconds until the next refresh. */
  const left = computed(() => Math.max(0, Math.ceil((deadline.value - MARGIN_MS - now.value) / 1000)));

  async function refresh() {
    clearTimeout(refreshTimer);
    // Only a volunteer account has a code; any other account (a citizen,
    // an org account) would only be refused, again and again.
    if (session.state.account?.kind !== AccountKind.VOLUNTEER) {
      notVolunteer.value = true;
      return;
    }
    if (document.hidden) return;
    loading.value = true;
    try {
      const res = await checkin.getVolunteerCode({});
      payload.value = res.payload;
      error.value = "";
      markUsable();
      const fetched = Date.now();
      // The server's clock says when it expires; a phone's clock may be off,
      // so the lifetime is taken relative to now, within sane bounds.
      let ttl = res.expiresAt ? timestampDate(res.expiresAt).getTime() - fetched : 30_000;
      if (!(ttl > MARGIN_MS + 5_000 && ttl < 10 * 60_000)) ttl = 30_000 + MARGIN_MS;
      deadline.value = fetched + ttl;
      refreshTimer = setTimeout(() => void refresh(), Math.max(5_000, ttl - MARGIN_MS));
    } catch (err) {
      if (errorReason(err) === "NOT_A_VOLUNTEER") {
        notVolunteer.value = true;
        payload.value = "";
        return;
      }
      error.value = errorMessage(err);
      // A deactivated code (CODE_INACTIVE) comes back with the next sign-in,
      // not by asking again; a network failure may pass.
      if (ConnectError.from(err).code !== Code.FailedPrecondition) {
        refreshTimer = setTimeout(() => void refresh(), 5_000);
      }
    } finally {
      loading.value = false;
    }
  }

  function onVisibility() {
    if (document.hidden) {
      clearTimeout(refreshTimer);
    } else {
      void refresh();
      opts.onVisible?.();
    }
  }

  onMounted(() => {
    void refresh();
    clock = setInterval(() => (now.value = Date.now()), 1000);
    document.addEventListener("visibilitychange", onVisibility);
  });
  onBeforeUnmount(() => {
    clearTimeout(refreshTimer);
    clearInterval(clock);
    document.removeEventListener("visibilitychange", onVisibility);
  });

  return { payload, error, notVolunteer, loading, left, refresh };
}
