import { nextTick } from "vue";

/** USABLE_MARK names the performance mark a page sets once it is usable. */
export const USABLE_MARK = "yima:usable";

/**
 * markUsable records when the first page of this load shows its key content
 * (我的: the service hours; 我的志愿者码: the QR code), as
 * performance.mark("yima:usable"): after Vue has put it in the document, at
 * the start of the frame that paints it. The load benchmark (loadtest's
 * h5_load) reads the mark's time from the navigation's start. Only the
 * first call of a page load counts.
 */
export function markUsable(): void {
  if (performance.getEntriesByName(USABLE_MARK).length > 0) return;
  void nextTick(() =>
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(USABLE_MARK).length === 0) performance.mark(USABLE_MARK);
    }),
  );
}
