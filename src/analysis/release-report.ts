/**
 * The release report of one revision's rollout: the requests the new version served, its error rate and its
 * p50/p99/p99.9 latency beside stable's, over the rollout, from the analysis that ran. Pure, and read only from
 * what the AnalysisRuns stored (each request-judge metric's latest `served` totals, counts/served.ts), so the
 * same report comes out of a restarted controller, a notification and `sluice get rollout` alike.
 *
 * Only the request judge (`compare.requests`) measures both versions over the same requests, so only it feeds
 * the report. A threshold metric's value is a rate over a window of one version at one moment, not what the
 * rollout served: it is shown in the runs, not summed here. Whatever was not measured says so and why, never a
 * number: no errors metric means no error rate, not 0%.
 */
import type { AnalysisRun } from "../api/analysis-run.ts";
import { roleOfRun } from "../core/analysis-runs.ts";
import type { AnalysisRole } from "../core/plan.ts";
import { addHistograms, interpolatedQuantile, type Histogram } from "./counts/bucket-counts.ts";
import { parseServed, type Served } from "./counts/served.ts";

/** A number the analysis measured, or why there is none. */
export type Figure = { value: number } | { notMeasured: string };
/** aboveHighestBucket: slower than the histogram's highest finite bound, which `value` is; the true quantile is larger. */
export type QuantileFigure = { value: number; aboveHighestBucket?: true } | { notMeasured: string };

export const REPORT_QUANTILES = [
  ["p50", 0.5],
  ["p99", 0.99],
  ["p99.9", 0.999],
] as const;
export type QuantileName = (typeof REPORT_QUANTILES)[number][0];

export type SideReport = {
  requests: Figure;
  errors: Figure;
  /** Failed requests over requests, a fraction (0.0012 = 0.12%). */
  errorRate: Figure;
  latency: Record<QuantileName, QuantileFigure>;
};

/** One metric of one run whose totals are in the report. */
export type ReportSource = { run: string; metric: string; measures: "errors" | "latency"; looks: number };

export type ReleaseReport = {
  revision: string;
  /** The new version (the canary side of the request judge) and stable, over the same requests. */
  canary: SideReport;
  stable: SideReport;
  /** The latency histogram's unit as its query names it ("seconds", "milliseconds"); undefined when it does not say. */
  latencyUnit: string | undefined;
  sources: ReportSource[];
  /** Every run of the revision has finished: the numbers will not change. Otherwise, the report so far. */
  final: boolean;
  /** What a reader must know to read the numbers right (totals missing early looks). */
  notes: string[];
};

export type ReportInput = {
  rolloutName: string | undefined;
  /** The revision (pod-template hash) and its attempt (status.retryCount): runs of other attempts measured another rollout. */
  revision: string;
  retryCount: number | undefined;
  runs: readonly AnalysisRun[];
};

const TERMINAL = new Set(["Successful", "Failed", "Error", "Inconclusive"]);

type Entry = { source: ReportSource; role: AnalysisRole; served: Served; unit: string | undefined };

/** "seconds" for prom-client's http_request_duration_seconds, "milliseconds" for Istio's and Envoy's (their `rq_time`). */
function unitOf(query: string): string | undefined {
  if (/milliseconds|_ms\b|_ms_|rq_time/.test(query)) return "milliseconds";
  if (/seconds/.test(query)) return "seconds";
  return undefined;
}

/** damaged: "run/metric" whose stored totals do not parse, by what they measure. */
type Found = { entries: Entry[]; kinds: Set<"errors" | "latency">; damaged: Map<"errors" | "latency", string[]> };

/** Each run's first errors metric and first latency metric that took a judged look (a second of the same kind would count the same requests again). */
function entriesOf(input: ReportInput): Found {
  const entries: Entry[] = [];
  const kinds = new Set<"errors" | "latency">();
  const damaged = new Map<"errors" | "latency", string[]>();
  for (const run of input.runs) {
    const name = run.metadata.name ?? "";
    const role = roleOfRun(name, input.rolloutName, input.revision, input.retryCount);
    if (!role) continue;
    const taken = new Set<string>();
    for (const metric of run.spec.metrics) {
      const requests = metric.compare?.requests;
      if (!requests) continue;
      const measures = requests.errors !== undefined ? "errors" : "latency";
      kinds.add(measures);
      if (taken.has(measures)) continue;
      const result = run.status?.metricResults?.find((r) => r.name === metric.name);
      const text = result?.measurements?.findLast((m) => m.metadata?.served !== undefined)?.metadata?.served;
      const served = text === undefined ? undefined : parseServed(text);
      if (text !== undefined && !served) damaged.set(measures, [...(damaged.get(measures) ?? []), `${name}/${metric.name}`]);
      if (!served || served.looks === 0) continue;
      taken.add(measures);
      entries.push({ source: { run: name, metric: metric.name, measures, looks: served.looks }, role, served, unit: measures === "latency" ? unitOf(requests.latency ?? "") : undefined });
    }
  }
  return { entries, kinds, damaged };
}

/**
 * Runs that overlap in time would count the same requests twice: a background run measures the whole rollout
 * while step runs measure their steps. So with background runs only theirs (its rounds follow one another),
 * else every step and pre/post-promotion run (one at a time, in order).
 */
function chosen(entries: Entry[], measures: "errors" | "latency"): Entry[] {
  const of = entries.filter((e) => e.source.measures === measures);
  const background = of.filter((e) => e.role === "background");
  return background.length > 0 ? background : of;
}

function sum(entries: Entry[], side: "canary" | "stable"): { requests: number; errors: number; histogram: Histogram | undefined } {
  let requests = 0;
  let errors = 0;
  let histogram: Histogram | undefined;
  for (const e of entries) {
    const s = e.served[side];
    requests += s.requests;
    errors += s.errors ?? 0;
    if (s.histogram) histogram = histogram ? addHistograms(histogram, s.histogram) : s.histogram;
  }
  return { requests, errors, histogram };
}

const missing = (notMeasured: string) => ({ notMeasured });

function why(found: Found, measures: "errors" | "latency", anyRun: boolean): string {
  const metric = measures === "errors" ? "a request-judge errors metric (compare.requests.errors)" : "a request-judge latency metric (compare.requests.latency)";
  if (!anyRun) return "no analysis ran for this revision";
  if (!found.kinds.has(measures)) return `no analysis of this revision had ${metric}`;
  if (found.damaged.has(measures)) return `the ${measures} metric's stored totals (measurement metadata "served") do not parse`;
  return `its ${measures} metric took no judged look yet (the first look only reads where the counters stand)`;
}

function sideReport(errorEntries: Entry[], latencyEntries: Entry[], side: "canary" | "stable", reasons: { errors: string; latency: string }): SideReport {
  const e = sum(errorEntries, side);
  const l = sum(latencyEntries, side);
  const latency = {} as Record<QuantileName, QuantileFigure>;
  for (const [name, q] of REPORT_QUANTILES) {
    if (latencyEntries.length === 0) latency[name] = missing(reasons.latency);
    else {
      const found = l.histogram ? interpolatedQuantile(l.histogram, q) : undefined;
      latency[name] = found ?? missing(`the ${side === "canary" ? "new version" : "stable version"} served no request the latency metric counted`);
    }
  }
  // Requests as the errors metric counts them (failed ones included); without one, the latency histogram's.
  const requests: Figure = errorEntries.length > 0 ? { value: e.requests } : latencyEntries.length > 0 ? { value: l.requests } : missing(reasons.errors);
  const errors: Figure = errorEntries.length > 0 ? { value: e.errors } : missing(reasons.errors);
  const errorRate: Figure =
    errorEntries.length === 0 ? missing(reasons.errors) : e.requests > 0 ? { value: e.errors / e.requests } : missing(`the ${side === "canary" ? "new version" : "stable version"} served no request the errors metric counted`);
  return { requests, errors, errorRate, latency };
}

export function releaseReport(input: ReportInput): ReleaseReport {
  const ours = input.runs.filter((r) => roleOfRun(r.metadata.name ?? "", input.rolloutName, input.revision, input.retryCount) !== undefined);
  const found = entriesOf(input);
  const entries = found.entries;
  const errorEntries = chosen(entries, "errors");
  let latencyEntries = chosen(entries, "latency");
  const notes: string[] = [];
  const units = [...new Set(latencyEntries.map((e) => e.unit))];
  let latencyReason = why(found, "latency", ours.length > 0);
  if (units.length > 1) {
    // Histograms in different units cannot be added.
    latencyReason = `the latency metrics name different units (${units.map((u) => u ?? "unnamed").join(", ")})`;
    latencyEntries = [];
  }
  const reasons = { errors: why(found, "errors", ours.length > 0), latency: latencyReason };
  const used = [...errorEntries, ...latencyEntries];
  for (const names of found.damaged.values()) notes.push(`left out, their stored totals do not parse: ${names.join(", ")}`);
  if (used.some((e) => e.served.partial)) notes.push("some totals start after their metric's first looks (they were taken by an older sluice): they miss those looks' requests");
  return {
    revision: input.revision,
    canary: sideReport(errorEntries, latencyEntries, "canary", reasons),
    stable: sideReport(errorEntries, latencyEntries, "stable", reasons),
    latencyUnit: latencyEntries.length > 0 ? units[0] : undefined,
    sources: used.map((e) => e.source),
    final: ours.every((r) => TERMINAL.has(r.status?.phase ?? "")),
    notes,
  };
}

/** Whether the report holds any number at all (a rollout without request-judge analysis has none). */
export const measuredAnything = (report: ReleaseReport): boolean => report.sources.length > 0;
