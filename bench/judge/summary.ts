/**
 * Turning trials into the table's rows: abort rate, when the aborts happened, the target beside it, and
 * the oracle's rate over the same time in the same cell.
 */
import { quantileSorted } from "simple-statistics";
import { HORIZON_SECONDS, NEVER, minutesAtLook } from "./looks.ts";
import type { Scenario } from "./scenarios.ts";
import type { Method } from "./trial.ts";

export interface MethodTally {
  readonly trials: number;
  /** Abort looks of the trials that aborted. */
  readonly abortLooks: number[];
  /** Per-step methods: trials whose last measurement was NoData. */
  readonly noDataAtEnd: number;
}

export interface Row {
  readonly scenario: Scenario;
  readonly share: number;
  readonly method: Method;
  /** Undefined: the method is not built yet. */
  readonly tally: MethodTally | undefined;
  readonly oracle: MethodTally | undefined;
}

/** Minutes the target looks at: the target's own, else the whole horizon. */
export function targetMinutes(scenario: Scenario): number {
  return scenario.target?.withinMinutes ?? HORIZON_SECONDS / 60;
}

export function rateWithin(tally: MethodTally, minutes: number): number {
  return tally.abortLooks.filter((look) => look !== NEVER && minutesAtLook(look) <= minutes).length / tally.trials;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function minutes(x: number): string {
  return `${Number(x.toFixed(2))}m`;
}

function targetApplies(row: Row): boolean {
  return row.scenario.target !== undefined && row.scenario.target.shares.includes(row.share);
}

function targetText(row: Row): string {
  const target = row.scenario.target;
  if (!target || !targetApplies(row)) return "-";
  return `${target.bound === "at most" ? "<=" : ">="} ${(100 * target.rate).toFixed(0)}% in ${target.withinMinutes}m`;
}

function metText(row: Row, within: number): string {
  const target = row.scenario.target;
  if (!target || !targetApplies(row)) return "";
  const met = target.bound === "at most" ? within <= target.rate : within >= target.rate;
  return met ? "yes" : "MISS";
}

/** How the table names each method (the row names). */
const METHOD_LABELS: Record<Method, string> = {
  "per-step p99": "per-step judge p99 (today)",
  "per-step p99.9": "per-step judge p99.9 (today)",
  "per-step errors": "per-step judge errors (today)",
  "threshold p99": "threshold p99 (calibrated)",
  "threshold errors": "threshold errors (calibrated)",
  oracle: "oracle SPRT",
  "request judge": "request judge (new)",
};

export const HEADER = ["scenario", "canary", "method", "aborts (10m)", "by target time", "median", "p90", "target", "met", "oracle (same time)"];

export function rowCells(row: Row): string[] {
  const lead = [row.scenario.label, `${(100 * row.share).toFixed(0)}%`, METHOD_LABELS[row.method]];
  const { tally } = row;
  if (tally === undefined) return [...lead, "not built yet", "", "", "", targetText(row), "", ""];
  const horizon = HORIZON_SECONDS / 60;
  const within = targetMinutes(row.scenario);
  const rate = rateWithin(tally, horizon);
  const byTarget = rateWithin(tally, within);
  const times = tally.abortLooks.map(minutesAtLook).sort((a, b) => a - b);
  const noData = tally.noDataAtEnd > 0 ? ` (NoData ${percent(tally.noDataAtEnd / tally.trials)})` : "";
  const abortText = `${percent(rate)}${row.scenario.kind === "null" ? " false" : ""}${noData}`;
  const oracle = row.oracle === undefined ? "-" : percent(rateWithin(row.oracle, within));
  return [
    ...lead,
    abortText,
    `${percent(byTarget)} <=${within}m`,
    times.length > 0 ? minutes(quantileSorted(times, 0.5)) : "-",
    times.length > 0 ? minutes(quantileSorted(times, 0.9)) : "-",
    targetText(row),
    metText(row, byTarget),
    oracle,
  ];
}

/** Columns padded to their widest cell, a dashed rule under the header. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((r) => (r[col] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
