const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/** idNumberCheckChar computes the GB 11643 (ISO 7064 MOD 11-2) check character of 17 digits. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/**
 * idNumberProblem checks a resident ID number's shape, birth date and check
 * character and returns what is wrong in Chinese, or "" when it looks valid.
 * The region code is left to the server, which knows the GB/T 2260 table.
 */
export function idNumberProblem(raw: string, now: Date = new Date()): string {
  const v = raw.trim().toUpperCase();
  if (!v) return "请输入身份证号";
  if (!/^\d{17}[\dX]$/.test(v)) return "身份证号应为 18 位，最后一位可以是 X";
  const y = Number(v.slice(6, 10));
  const m = Number(v.slice(10, 12));
  const d = Number(v.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (
    y < 1900 ||
    birth.getUTCFullYear() !== y ||
    birth.getUTCMonth() !== m - 1 ||
    birth.getUTCDate() !== d ||
    birth.getTime() > now.getTime()
  ) {
    return "身份证号中的出生日期无效";
  }
  if (idNumberCheckChar(v) !== v[17]) return "身份证号校验位不正确";
  return "";
}
