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
  const merged: NonNullable<IstioHTTPMatch["headers"]> = { ...(match.headers ?? {}) };
  for (const [name, value] of Object.entries(headers)) merged[name.toLowerCase()] = istioString(value);
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

/** Every user match combined with every mirror match: the mirror's uri and method replace the user's. */
export function mirrorRouteMatches(baseMatches: IstioHTTPMatch[] | undefined, mirrorMatches: MirrorMatch[]): IstioHTTPMatch[] {
  const bases = baseMatches && baseMatches.length > 0 ? baseMatches : [{}];
  if (mirrorMatches.length === 0) return bases.map((base) => structuredClone(base));
  return bases.flatMap((base) =>
    mirrorMatches.map((mirror) => {
      const match = withHeaders(base, mirror.headers ?? {});
      if (mirror.path) match.uri = istioString(mirror.path);
      if (mirror.method) match.method = istioString(mirror.method);
      return match;
    }),
  );
}
