/**
 * hasPermission reports whether a permission string such as
 * "system:role:add" is granted by any of the held ones. A held "*" segment
 * matches anything in its place, so "*:*:*" grants everything and
 * "system:*:*" the whole system module. Pages use this for what to show;
 * the server decides what is allowed.
 */
export function hasPermission(held: readonly string[] | undefined, want: string): boolean {
  if (!want) return true;
  if (!held?.length) return false;
  const w = want.split(":");
  return held.some((h) => {
    if (h === want) return true;
    const parts = h.split(":");
    if (parts.length !== w.length) return false;
    return parts.every((p, i) => p === "*" || p === w[i]);
  });
}
