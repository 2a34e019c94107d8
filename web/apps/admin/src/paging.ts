import { reactive } from "vue";

/** TokenPaging remembers the page tokens of a token-paged listing. */
export interface TokenPaging {
  page: number;
  pageSize: number;
  /** tokens[i] is the token that fetches page i + 1 ("" for the first). */
  tokens: string[];
  nextToken: string;
}

/** useTokenPaging keeps the state of a TokenPager. */
export function useTokenPaging(pageSize = 20) {
  const p = reactive<TokenPaging>({ page: 1, pageSize, tokens: [""], nextToken: "" });
  return {
    p,
    /** current is the token of the page to fetch now. */
    current: () => p.tokens[p.page - 1] ?? "",
    reset() {
      p.page = 1;
      p.tokens = [""];
      p.nextToken = "";
    },
    next() {
      if (!p.nextToken) return false;
      p.tokens[p.page] = p.nextToken;
      p.page++;
      return true;
    },
    prev() {
      if (p.page <= 1) return false;
      p.page--;
      return true;
    },
  };
}
