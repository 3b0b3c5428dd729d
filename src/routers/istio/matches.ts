/** Header and mirror matches of a DesiredRouting as Istio HTTPMatchRequests. */
import type { StringMatch } from "../../api/steps.ts";
import type { HeaderMatch, MirrorMatch } from "../../core/routing.ts";
import type { IstioHTTPMatch } from "./schema.ts";

/** Istio StringMatch has exact, prefix and regex (RE2): the Rollout's match carries over as is. */
function istioString(match: StringMatch): Record<string, string> {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  return { regex: match.regex ?? "" };
}

/** Istio requires lower-case header keys in matches. */
function withHeaders(base: IstioHTTPMatch, headers: Record<string, StringMatch>): IstioHTTPMatch {
  const match = structuredClone(base);
  const entries = Object.entries(headers);
  if (entries.length === 0) return match;
  const merged: NonNullable<IstioHTTPMatch["headers"]> = { ...(match.headers ?? {}) };
  for (const [name, value] of entries) merged[name.toLowerCase()] = istioString(value);
  // The user's match names (used in metrics) would now describe a different match, so the copy drops them.
  delete match.name;
  return { ...match, headers: merged };
}

/** The user route's matches (all requests when it has none), each narrowed by the header conditions. */
export function headerRouteMatches(baseMatches: IstioHTTPMatch[] | undefined, match: HeaderMatch[]): IstioHTTPMatch[] {
  const headers = Object.fromEntries(match.map((entry) => [entry.headerName, entry.headerValue]));
  const bases = baseMatches && baseMatches.length > 0 ? baseMatches : [{}];
  return bases.map((base) => withHeaders(base, headers));
}

/**
 * Every user match combined with every mirror match: the mirror's uri and method replace the user's.
 * Undefined = match every request: Istio rejects an empty HTTPMatchRequest, and an empty entry in the
 * (OR-ed) list would match everything anyway, so the route then has no `match` at all.
 */
export function mirrorRouteMatches(baseMatches: IstioHTTPMatch[] | undefined, mirrorMatches: MirrorMatch[]): IstioHTTPMatch[] | undefined {
  const bases = baseMatches && baseMatches.length > 0 ? baseMatches : [{}];
  const combined =
    mirrorMatches.length === 0
      ? bases.map((base) => structuredClone(base))
      : bases.flatMap((base) =>
          mirrorMatches.map((mirror) => {
            const match = withHeaders(base, mirror.headers ?? {});
            if (mirror.path) match.uri = istioString(mirror.path);
            if (mirror.method) match.method = istioString(mirror.method);
            return match;
          }),
        );
  return combined.some((match) => Object.keys(match).length === 0) ? undefined : combined;
}
