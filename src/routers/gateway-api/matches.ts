/** Header and mirror matches of a DesiredRouting, written as HTTPRoute matches. */
import type { StringMatch } from "../../api/steps.ts";
import type { HeaderMatch, MirrorMatch } from "../../core/routing.ts";
import { exactOrRegex } from "../string-match.ts";
import { routerProblem, type RouterProblem } from "../types.ts";
import type { HTTPHeaderMatch, HTTPRouteMatch } from "./schema.ts";

/** HTTPHeaderMatch knows Exact and RegularExpression; a prefix becomes an anchored regex. */
export function headerMatch(name: string, value: StringMatch): HTTPHeaderMatch {
  const translated = exactOrRegex(value);
  return { type: translated.type === "exact" ? "Exact" : "RegularExpression", name, value: translated.value };
}

/**
 * Adds header conditions to a user match. The spec honours only the first entry for a header name, so a
 * user entry for the same header (compared case-insensitively, as HTTP does) gives way to ours.
 */
function withHeaders(base: HTTPRouteMatch, headers: HTTPHeaderMatch[]): HTTPRouteMatch {
  const ours = new Set(headers.map((header) => header.name.toLowerCase()));
  const kept = (base.headers ?? []).filter((header) => !ours.has(header.name.toLowerCase()));
  return { ...structuredClone(base), headers: [...kept, ...headers] };
}

/** The user rule's matches (its implicit "PathPrefix /" when it has none), each narrowed by the headers. */
export function headerRouteMatches(baseMatches: HTTPRouteMatch[] | undefined, match: HeaderMatch[]): HTTPRouteMatch[] {
  const headers = match.map((entry) => headerMatch(entry.headerName, entry.headerValue));
  const bases = baseMatches && baseMatches.length > 0 ? baseMatches : [{}];
  return bases.map((base) => withHeaders(base, headers));
}

const PATH_TYPES = { exact: "Exact", prefix: "PathPrefix", regex: "RegularExpression" } as const;

function pathMatch(value: StringMatch): { type: string; value: string } {
  if (value.exact !== undefined) return { type: PATH_TYPES.exact, value: value.exact };
  if (value.prefix !== undefined) return { type: PATH_TYPES.prefix, value: value.prefix };
  return { type: PATH_TYPES.regex, value: value.regex ?? "" };
}

/**
 * Matches of a mirror rule: every user match combined with every mirror match (the mirror's path and
 * method replace the user's, headers are added). No mirror match = mirror all the rule's traffic.
 * HTTPRoute matches a method exactly only, so a prefix/regex method is a problem, not a guess.
 */
export function mirrorRouteMatches(
  baseMatches: HTTPRouteMatch[] | undefined,
  mirrorMatches: MirrorMatch[],
  describe: string,
): HTTPRouteMatch[] | RouterProblem {
  const bases = baseMatches && baseMatches.length > 0 ? baseMatches : [{}];
  if (mirrorMatches.length === 0) return bases.map((base) => structuredClone(base));
  const combined: HTTPRouteMatch[] = [];
  for (const base of bases) {
    for (const mirror of mirrorMatches) {
      let match: HTTPRouteMatch = structuredClone(base);
      if (mirror.path) match.path = pathMatch(mirror.path);
      if (mirror.method) {
        if (mirror.method.exact === undefined) {
          return routerProblem("Unsupported", `${describe}: HTTPRoute matches a method exactly only; use method: { exact: GET }`);
        }
        match.method = mirror.method.exact;
      }
      const headers = Object.entries(mirror.headers ?? {}).map(([name, value]) => headerMatch(name, value));
      if (headers.length > 0) match = withHeaders(match, headers);
      combined.push(match);
    }
  }
  return combined;
}
