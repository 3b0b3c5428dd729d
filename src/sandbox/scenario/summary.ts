/**
 * The end-of-scenario table: per segment of the rollout, the weight, requests served by canary and stable as
 * clients saw them, error rate, p50, p99, p99.9 and the slowest request, the analysis verdicts, the decision and
 * how long it took.
 */
import { formatDuration } from "../../api/duration.ts";
import type { LatencySummary } from "../load/stats.ts";
import type { Segment } from "./timeline.ts";

/** Client-side latency in ms, each undefined when the window holds no request. */
export type ClientLatency = Pick<LatencySummary, "p50" | "p99" | "p999" | "max">;

export const NO_LATENCY: ClientLatency = { p50: undefined, p99: undefined, p999: undefined, max: undefined };

export type ClientStats = {
  count: number;
  errors: number;
  latencyMs: ClientLatency;
  /** Requests answered by each pod-template hash. */
  byHash: ReadonlyMap<string, number>;
};

export type SummaryRow = Segment & { stats: ClientStats; verdicts: string };

const ms = (v: number | undefined) => (v === undefined ? "-" : `${Math.round(v)} ms`);
const pct = (errors: number, count: number) => (count === 0 ? "-" : `${((100 * errors) / count).toFixed(2)}%`);

export function summaryTable(rows: SummaryRow[]): string {
  const header = ["step", "weight", "canary req", "stable req", "errors", "p50", "p99", "p99.9", "max", "analysis", "decision", "took"];
  const lines = rows.map((r) => [
    r.label,
    `${r.weight}%`,
    String(r.canaryHash && r.canaryHash !== r.stableHash ? r.stats.byHash.get(r.canaryHash) ?? 0 : 0),
    String(r.stableHash ? r.stats.byHash.get(r.stableHash) ?? 0 : 0),
    pct(r.stats.errors, r.stats.count),
    ms(r.stats.latencyMs.p50),
    ms(r.stats.latencyMs.p99),
    ms(r.stats.latencyMs.p999),
    ms(r.stats.latencyMs.max),
    r.verdicts || "-",
    r.decision,
    formatDuration(Math.max(0, r.to - r.from)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [format(header), format(widths.map((w) => "-".repeat(w))), ...lines.map(format)].join("\n");
}
