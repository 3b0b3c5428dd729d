/**
 * Does an HTTPRoute match accept a request, and how specific is it? Precedence follows the Gateway API
 * spec (HTTPRouteRule): an Exact path beats any prefix, a longer prefix beats a shorter one, then a
 * method match, then more header matches, then more query-param matches; still tied, the earlier rule.
 */
import type { HTTPRouteMatch } from "../../routers/gateway-api/schema.ts";

export interface GatewayRequest {
  readonly method: string;
  /** Path and query, as in the request line ("/a/b?x=1"). */
  readonly url: string;
  /** Lower-case names (as node gives them). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** Larger is more specific, compared element by element. */
export type Specificity = readonly [pathKind: number, pathLength: number, method: number, headers: number, queryParams: number];

const regexCache = new Map<string, RegExp | null>();

/** Whole-value match, as Envoy's safe_regex does; an invalid pattern matches nothing. */
function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re !== null && re.test(value);
}

function stringMatches(type: string | undefined, expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return type === "RegularExpression" ? fullMatch(expected, actual) : actual === expected;
}

/** PathPrefix matches whole path elements: "/api" matches "/api" and "/api/x", not "/apix". */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  const trimmed = prefix.length > 1 ? prefix.replace(/\/+$/, "") : prefix;
  if (trimmed === "/" || trimmed === "") return true;
  return path === trimmed || path.startsWith(`${trimmed}/`);
}

function headerValue(request: GatewayRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(",") : (value as string | undefined);
}

export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf("?");
  return q < 0 ? { path: url || "/", query: new URLSearchParams() } : { path: url.slice(0, q) || "/", query: new URLSearchParams(url.slice(q + 1)) };
}

/** The match's specificity when it accepts the request, undefined otherwise. */
export function matchSpecificity(match: HTTPRouteMatch, request: GatewayRequest): Specificity | undefined {
  const { path, query } = splitUrl(request.url);
  const pathType = match.path?.type ?? "PathPrefix";
  const pathValue = match.path?.value ?? "/";
  let pathKind: number;
  if (pathType === "Exact") {
    if (path !== pathValue) return undefined;
    pathKind = 3;
  } else if (pathType === "RegularExpression") {
    if (!fullMatch(pathValue, path)) return undefined;
    pathKind = 1;
  } else {
    if (!pathPrefixMatches(pathValue, path)) return undefined;
    pathKind = 2;
  }
  if (match.method !== undefined && match.method.toUpperCase() !== request.method.toUpperCase()) return undefined;
  const headers = match.headers ?? [];
  if (!headers.every((h) => stringMatches(h.type, h.value, headerValue(request, h.name)))) return undefined;
  const params = (match.queryParams ?? []).filter(isQueryParamMatch);
  if (!params.every((p) => stringMatches(p.type, p.value, query.get(p.name) ?? undefined))) return undefined;
  return [pathKind, pathKind === 2 ? pathValue.length : 0, match.method !== undefined ? 1 : 0, headers.length, params.length];
}

function isQueryParamMatch(value: unknown): value is { type?: string; name: string; value: string } {
  return typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string" && typeof (value as { value?: unknown }).value === "string";
}

export function compareSpecificity(a: Specificity, b: Specificity): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
