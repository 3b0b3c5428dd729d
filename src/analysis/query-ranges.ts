/**
 * Checks on a PromQL query's range selectors (`[10s]`, a subquery's `[5m:1m]`):
 * - The judge's tests (Mann-Whitney, the sequential sign test) assume independent points. A range query whose
 *   rate window is longer than its step makes neighbouring points share requests: ten 1 s steps over a 10 s
 *   window are one observation counted ten times, and the p-value and the e-value overstate the evidence.
 * - A measurement taken sooner after the analysis started than the query's window reaches back into the time
 *   before the step (often before the canary had traffic): "not enough data" then says to wait longer.
 */
import { formatDuration } from "../api/duration.ts";
import { promDurationMs } from "../providers/prom-duration.ts";
import { codeIndices } from "./promql-scan.ts";

/** The longest `[range]` (or `[range:resolution]`) outside string literals, in ms; undefined without one. */
export function longestRangeMs(query: string): number | undefined {
  let longest: number | undefined;
  let open: number | undefined;
  for (const i of codeIndices(query)) {
    if (query[i] === "[") open = i;
    else if (query[i] === "]" && open !== undefined) {
      const range = promDurationMs((query.slice(open + 1, i).split(":")[0] ?? "").trim());
      if (range !== undefined) longest = Math.max(longest ?? 0, range);
      open = undefined;
    }
  }
  return longest;
}

/** A warning when the query's range is longer than the step, saying what to set; undefined when points are independent. */
export function overlapWarning(query: string, stepMs: number): string | undefined {
  const range = longestRangeMs(query);
  if (range === undefined || range <= stepMs) return undefined;
  return (
    `points overlap: the query's range [${formatDuration(range)}] is longer than step ${formatDuration(stepMs)}, so neighbouring points share ` +
    `requests and the judge's tests, which assume independent points, overstate the evidence; set compare.step to ${formatDuration(range)} or more`
  );
}

/**
 * For a measurement short of data: when it was taken less than the query's range after the analysis started,
 * the hint to delay it; undefined otherwise.
 */
export function earlyMeasurementHint(query: string, at: Date, analysisStartedAt: Date | undefined): string | undefined {
  const range = longestRangeMs(query);
  if (range === undefined || analysisStartedAt === undefined) return undefined;
  const since = at.getTime() - analysisStartedAt.getTime();
  if (since < 0 || since >= range) return undefined;
  return `measured ${formatDuration(since)} after the analysis started, inside the query's ${formatDuration(range)} window: set the metric's initialDelay to at least ${formatDuration(range)}`;
}
