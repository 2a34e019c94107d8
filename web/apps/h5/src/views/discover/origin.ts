// useOrigin is where the list pages (找项目, 找组织) measure distances from:
// the browser's position when it gives one, else the centre of the
// district chosen in the filter.
import { computed, ref } from "vue";
import { DISTRICTS, locate, type LatLng } from "./discovery";

/** Origin is a point distances are measured from and how the page names it. */
export interface Origin {
  at: LatLng;
  /** label prefixes a distance: "距您", "距徐汇区中心". */
  label: string;
}

/**
 * useOrigin follows the browser's position (relocate asks again) and falls
 * back to the centre of district(), when one is chosen. locating is true
 * until the first answer, so a page can hold its first search till then.
 */
export function useOrigin(district: () => string) {
  const gps = ref<LatLng>();
  const locating = ref(true);
  const origin = computed<Origin | undefined>(() => {
    if (gps.value) return { at: gps.value, label: "距您" };
    const d = DISTRICTS.find((x) => x.code === district());
    return d ? { at: d.centre, label: `距${d.name}中心` } : undefined;
  });
  async function relocate() {
    locating.value = true;
    gps.value = await locate();
    locating.value = false;
  }
  return { gps, locating, origin, relocate };
}
