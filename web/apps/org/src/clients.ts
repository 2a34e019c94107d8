// The service clients of the org portal's pages, on the session's
// transport.
import { createClient, OrgService, ProjectService, type Client } from "@yima/api";
import { useSession } from "@yima/shared";

/** OrgClients are the org and project services. */
export interface OrgClients {
  orgs: Client<typeof OrgService>;
  projects: Client<typeof ProjectService>;
}

/** useClients makes the org and project clients of the signed-in session. */
export function useClients(): OrgClients {
  const t = useSession().api.transport;
  return { orgs: createClient(OrgService, t), projects: createClient(ProjectService, t) };
}

/**
 * listAll reads every page of a list call (page size 200), up to max rows,
 * for the small lists a page shows whole.
 */
export async function listAll<T>(
  page: (token: string) => Promise<{ rows: T[]; next: string }>,
  max = 1000,
): Promise<T[]> {
  const out: T[] = [];
  let token = "";
  do {
    const { rows, next } = await page(token);
    out.push(...rows);
    token = next;
  } while (token && out.length < max);
  return out;
}
