// usePagedList: the state of a list that loads page after page as it
// scrolls (Vant's van-list), which the H5 search pages share.
import { reactive } from "vue";
import { errorMessage } from "@yima/api";

/** Page is one answer of a token-paged RPC: its rows and the next page's token ("" at the end). */
export interface Page<T> {
  rows: T[];
  next: string;
}

/** PagedList is what a van-list binds to. */
export interface PagedList<T> {
  rows: T[];
  token: string;
  loading: boolean;
  finished: boolean;
  error: string;
}

/**
 * usePagedList keeps the rows loaded so far. load() fetches the next page;
 * load(true) starts again from the first one, and from then on an answer to
 * an earlier start is dropped, so that a slow search never lands on top of
 * the newer one.
 */
export function usePagedList<T>(fetchPage: (token: string) => Promise<Page<T>>) {
  const list = reactive({ rows: [], token: "", loading: false, finished: true, error: "" }) as PagedList<T>;
  let seq = 0;
  async function load(reset = false) {
    const mine = reset ? ++seq : seq;
    if (reset) Object.assign(list, { rows: [], token: "", finished: false, error: "" });
    list.loading = true;
    try {
      const page = await fetchPage(list.token);
      if (mine !== seq) return;
      list.rows.push(...page.rows);
      list.token = page.next;
      list.finished = !page.next;
    } catch (err) {
      if (mine !== seq) return;
      list.error = errorMessage(err);
      list.finished = true;
    } finally {
      if (mine === seq) list.loading = false;
    }
  }
  return { list, load };
}
