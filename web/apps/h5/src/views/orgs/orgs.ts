// Shared pieces of the org pages (V4): the clients, the badge an org
// without a logo gets, and the words of an org card.
import { createClient, MemberService, OrgDiscoveryService, OrgLevel, type Api, type PublicOrg } from "@yima/api";
import { formatHours, ORG_LEVEL_LABEL, useSession } from "@yima/shared";

/** useOrgClients makes the clients the org pages call. */
export function useOrgClients() {
  const t = useSession().api.transport;
  return { orgs: createClient(OrgDiscoveryService, t), members: createClient(MemberService, t) };
}

/**
 * resolveOrgCode reads a scanned printed org code: the id of the org whose
 * page the scanner opens. Lives here so that the code page loads the org
 * service's descriptors only when an org code is actually scanned; it runs
 * outside a component's setup, hence the api passed in.
 */
export async function resolveOrgCode(api: Api, payload: string): Promise<string> {
  const res = await createClient(OrgDiscoveryService, api.transport).resolveOrgCode({ payload });
  return res.orgId;
}

// Badge colours: the platform blue and five that read well under white text.
const BADGE_COLOURS = ["#1f6bff", "#12a36b", "#e8813c", "#7a5af8", "#d9465f", "#0e9fb5"];

/** badgeText is what an org without a logo shows: the first two characters of its name. */
export function badgeText(name: string): string {
  return [...name.trim()].slice(0, 2).join("") || "组织";
}

/** badgeColour picks an org's badge colour from its id, so it stays the same everywhere. */
export function badgeColour(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return BADGE_COLOURS[h % BADGE_COLOURS.length]!;
}

/** levelText names an org's level, "" when it says nothing. */
export function levelText(level: OrgLevel): string {
  return level === OrgLevel.UNSPECIFIED || level === OrgLevel.OTHER ? "" : ORG_LEVEL_LABEL[level];
}

/** foundedText renders the founding date: "2021年12月成立", "" when unknown. */
export function foundedText(o: PublicOrg): string {
  const m = /^(\d{4})-(\d{2})/.exec(o.foundedOn);
  return m ? `${m[1]}年${Number(m[2])}月成立` : "";
}

/** orgHours renders an org's total service hours. */
export function orgHours(o: PublicOrg): string {
  return formatHours(o.serviceSeconds);
}
