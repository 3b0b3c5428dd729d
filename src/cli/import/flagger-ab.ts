/**
 * Flagger A/B testing (`analysis.match` with `iterations`): matching requests go to the canary for
 * iterations × interval, then promotion. sluice says the same with header routes: one `setHeaderRoute` per
 * match entry (Flagger ORs its entries; the headers inside one entry must all match, as in a sluice route),
 * then a pause of iterations × interval, with the metrics as background analysis, the canary at full size.
 */
import { durationToMs, formatDuration } from "../../api/duration.ts";
import { ROUTER_CAPABILITIES, ROUTERS_WITH } from "../../api/router-capabilities.ts";
import type { RouterType } from "../../api/traffic-routing.ts";
import { asArray, asRecord, duration, type Json, type Notes } from "./notes.ts";

const VALUE_KINDS = ["exact", "prefix", "regex"] as const;
const FALLBACK = "the Canary becomes a blue-green rollout";

/** The header routes and the pause for `match`, or undefined (with a note) when they cannot be expressed. */
export function abTestSteps(analysis: Json, router: RouterType | undefined, notes: Notes): Json[] | undefined {
  const entries = asArray(analysis.match);
  if (!router || !ROUTER_CAPABILITIES[router].headerRoutes) {
    notes.dropped("spec.analysis.match", `A/B testing needs a router that routes by header (${ROUTERS_WITH("headerRoutes")}); ${FALLBACK}`);
    return undefined;
  }
  const routes: Json[] = [];
  for (const [i, entry] of entries.entries()) {
    const path = `spec.analysis.match[${i}]`;
    const extra = Object.keys(asRecord(entry)).find((k) => k !== "headers");
    if (extra !== undefined) {
      notes.dropped(`${path}.${extra}`, `only header matches translate (sluice's header routes match headers); ${FALLBACK}`);
      return undefined;
    }
    const match: Json[] = [];
    for (const [headerName, value] of Object.entries(asRecord(asRecord(entry).headers))) {
      const kind = VALUE_KINDS.find((k) => asRecord(value)[k] !== undefined);
      if (!kind || (router === "nginx" && kind === "prefix")) {
        notes.dropped(`${path}.headers.${headerName}`, `needs ${router === "nginx" ? "exact or regex (ingress-nginx)" : "exact, prefix or regex"}; ${FALLBACK}`);
        return undefined;
      }
      match.push({ headerName, headerValue: { [kind]: String(asRecord(value)[kind]) } });
    }
    routes.push({ setHeaderRoute: { name: entries.length === 1 ? "ab-test" : `ab-test-${i}`, match } });
  }
  const { maxHeaderMatches } = ROUTER_CAPABILITIES[router];
  if (router === "nginx" && (routes.length !== 1 || routes.some((r) => asArray(asRecord(r.setHeaderRoute).match).length > maxHeaderMatches))) {
    notes.dropped("spec.analysis.match", `ingress-nginx routes a canary by one header; keep a single match with one header, or ${FALLBACK}`);
    return undefined;
  }
  const intervalMs = durationToMs(duration(analysis.interval ?? "1m") as string | number) ?? 60_000;
  // Flagger runs the canary at full size during an A/B test (matching users can be many); sluice would start one pod.
  const fullSize = { setCanaryScale: { weight: 100 } };
  return [fullSize, ...routes, { pause: { duration: formatDuration(intervalMs * Number(analysis.iterations ?? 1)) } }];
}
