/** StringMatch ({exact} | {prefix} | {regex}) translated for providers that only know some of them. */
import type { StringMatch } from "../api/steps.ts";

/** Escapes a literal for RE2 and PCRE (both used by the providers) so it matches only itself. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

export type ExactOrRegex = { type: "exact"; value: string } | { type: "regex"; value: string };

/** Providers without prefix matching (Gateway API headers, nginx) get an anchored regex instead. */
export function exactOrRegex(match: StringMatch): ExactOrRegex {
  if (match.exact !== undefined) return { type: "exact", value: match.exact };
  if (match.prefix !== undefined) return { type: "regex", value: `^${escapeRegex(match.prefix)}.*` };
  return { type: "regex", value: match.regex ?? "" };
}
