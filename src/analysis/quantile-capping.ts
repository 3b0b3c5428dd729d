/**
 * When a histogram_quantile lands in the +Inf bucket, Prometheus returns the upper bound of the highest finite
 * bucket: a p99.9 of "0.5" may mean 0.5 s or 30 s. We detect it from the buckets themselves, without comparing
 * floats: Prometheus picks the first bucket whose cumulative count reaches q·total, so the answer is capped
 * exactly when q·count(+Inf) > count(highest finite le).
 */
import type { Series } from "../providers/types.ts";
import { codeIndices } from "./promql-scan.ts";

/** `histogram_quantile(q, inner)` split into its parts when that is the whole query. */
export interface QuantileQuery {
  readonly quantile: number;
  readonly inner: string;
}

/** Index of the parenthesis closing the one opened at `open`, skipping strings; -1 when unbalanced. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (const i of codeIndices(text, open)) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

export function parseQuantileQuery(query: string): QuantileQuery | undefined {
  const text = query.trim();
  const head = /^histogram_quantile\s*\(\s*([0-9.eE+-]+)\s*,/.exec(text);
  if (!head) return undefined;
  const open = text.indexOf("(");
  const close = closingParen(text, open);
  if (close !== text.length - 1) return undefined; // something follows (e.g. "* 1000", "> 0.3"): not our simple form
  const quantile = Number(head[1]);
  if (!Number.isFinite(quantile)) return undefined;
  return { quantile, inner: text.slice(head[0].length, close).trim() };
}

export interface CappingCheck {
  readonly capped: boolean;
  /** Upper bound of the highest finite bucket (what Prometheus returns when capped). */
  readonly highestFiniteBound?: number;
  /** Share of observations above the highest finite bucket. */
  readonly fractionAbove?: number;
}

const groupKey = (labels: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort(([a], [b]) => a.localeCompare(b)));

/** Capping per histogram (series grouped by their labels other than `le`); capped when any group is. */
export function checkCapping(quantile: number, buckets: readonly Series[]): CappingCheck {
  const groups = new Map<string, { bound: number; finite: number; inf: number | undefined }>();
  for (const series of buckets) {
    const le = series.labels.le;
    const value = series.points[series.points.length - 1]?.[1];
    if (le === undefined || value === undefined) continue;
    const key = groupKey(series.labels);
    const group = groups.get(key) ?? { bound: Number.NEGATIVE_INFINITY, finite: 0, inf: undefined };
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    if (bound === Number.POSITIVE_INFINITY) group.inf = value;
    else if (bound > group.bound) {
      group.bound = bound;
      group.finite = value;
    }
    groups.set(key, group);
  }
  let result: CappingCheck = { capped: false };
  for (const group of groups.values()) {
    if (group.inf === undefined || !Number.isFinite(group.bound) || !(group.inf > 0)) continue;
    const fractionAbove = Math.max(0, (group.inf - group.finite) / group.inf);
    // The same float64 arithmetic as Prometheus (rank = q·total; first bucket with count >= rank).
    const capped = quantile * group.inf > group.finite;
    if (capped || result.highestFiniteBound === undefined) result = { capped, highestFiniteBound: group.bound, fractionAbove };
    if (capped) break;
  }
  return result;
}
