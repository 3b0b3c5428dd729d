/** Each shown AnalysisRun: its phase, and per metric the latest value against the condition. */
import type { AnalysisRun, MetricResult } from "../../api/analysis-run.ts";
import type { Metric, MetricCondition } from "../../api/metric.ts";
import type { RolloutStatus } from "../../api/rollout.ts";
import { ANALYSIS_ROLE_LABEL } from "../../controller/labels.ts";
import { truncate, wrap, type Colour, type Paint } from "./style.ts";
import { table, type Cell } from "./table.ts";

export const PHASE_MARK: Record<string, { mark: string; colour: Colour }> = {
  Successful: { mark: "✔", colour: "green" },
  Failed: { mark: "✖", colour: "red" },
  Error: { mark: "⚠", colour: "red" },
  Inconclusive: { mark: "?", colour: "yellow" },
  Running: { mark: "◌", colour: "cyan" },
  Pending: { mark: "·", colour: "dim" },
};

function threshold(condition: MetricCondition, failure: boolean): string {
  if (typeof condition === "string") return failure ? `fail if ${condition}` : condition;
  // A failure threshold holds (= the measurement fails) inside its bounds, so it reads as "fail ≥ min".
  const parts = failure
    ? [condition.min !== undefined ? `fail ≥ ${condition.min}` : "", condition.max !== undefined ? `fail ≤ ${condition.max}` : ""]
    : [condition.min !== undefined ? `min ${condition.min}` : "", condition.max !== undefined ? `max ${condition.max}` : ""];
  return parts.filter((p) => p !== "").join(" ");
}

export function describeMetricCondition(metric: Metric | undefined): string {
  if (!metric) return "";
  if (metric.provider.job) return "Job completes";
  if (metric.compare) return `${metric.compare.direction} vs stable${metric.compare.maxIncrease !== undefined ? ` ≤ ${metric.compare.maxIncrease}` : ""}`;
  return [metric.successCondition && threshold(metric.successCondition, false), metric.failureCondition && threshold(metric.failureCondition, true)]
    .filter((p): p is string => typeof p === "string" && p !== "")
    .join(", ");
}

function tally(result: MetricResult): string {
  const count = result.count ?? 0;
  if (count === 0) return "no measurement yet";
  if ((result.failed ?? 0) > 0) return `${result.failed}/${count} failed`;
  if ((result.error ?? 0) > 0) return `${result.error}/${count} errors`;
  if ((result.inconclusive ?? 0) > 0) return `${result.inconclusive}/${count} inconclusive`;
  return `${result.successful ?? 0}/${count} passed`;
}

/** "1/4" for the equal split the controller makes, else the number; the whole budget (1) is not worth a word. */
function budgetShare(share: number | undefined): string | undefined {
  if (share === undefined || share >= 1) return undefined;
  const gates = Math.round(1 / share);
  return Math.abs(gates * share - 1) < 1e-9 ? `1/${gates}` : String(Number(share.toPrecision(3)));
}

/** Runs the status points at, and any still running; if none, the most recent one. */
export function runsToShow(status: RolloutStatus, runs: AnalysisRun[]): AnalysisRun[] {
  const named = new Set(
    [status.canary?.currentStepAnalysisRun, status.canary?.currentBackgroundAnalysisRun, status.blueGreen?.prePromotionAnalysisRun, status.blueGreen?.postPromotionAnalysisRun].filter(
      (n): n is string => n !== undefined,
    ),
  );
  const byAge = [...runs].sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") || (b.metadata.name ?? "").localeCompare(a.metadata.name ?? ""));
  const shown = byAge.filter((r) => named.has(r.metadata.name ?? "") || r.status?.phase === "Running" || r.status?.phase === "Pending" || r.status?.phase === undefined);
  return shown.length > 0 ? shown : byAge.slice(0, 1);
}

export function analysisLines(runs: AnalysisRun[], width: number, paint: Paint): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    const phase = run.status?.phase ?? "Pending";
    const { mark, colour } = PHASE_MARK[phase] ?? { mark: "·", colour: "dim" as Colour };
    const role = run.metadata.labels?.[ANALYSIS_ROLE_LABEL];
    const share = budgetShare(run.spec.falseAbortShare);
    const about = [role, share ? `${share} of the false-abort budget` : undefined].filter((p) => p !== undefined);
    const head = `AnalysisRun ${run.metadata.name ?? ""}${about.length > 0 ? ` (${about.join(", ")})` : ""}: ${phase}`;
    lines.push("", `${paint(mark, colour)} ${paint(truncate(head, width - 2), "bold")}`);
    if (run.status?.message) lines.push(...wrap(run.status.message, width, 2).map((l, i) => (i === 0 ? `  ${l}` : l)));
    const rows: Cell[][] = (run.status?.metricResults ?? []).map((result) => {
      const metric = run.spec.metrics.find((m) => m.name === result.name);
      const latest = result.measurements?.at(-1);
      // While a metric still runs, its latest measurement says which way it is going.
      const verdict = result.phase === "Running" || result.phase === "Pending" ? (latest?.phase ?? result.phase) : result.phase;
      const shown = PHASE_MARK[verdict] ?? { mark: "·", colour: "dim" as Colour };
      return [
        { text: `${result.name}${result.dryRun ? " (dry run)" : ""}` },
        { text: latest?.value ?? "-" },
        { text: describeMetricCondition(metric) },
        { text: `${shown.mark} ${tally(result)}`, colour: shown.colour },
      ];
    });
    // Metrics not measured yet still show what they will be judged against.
    for (const metric of run.spec.metrics) {
      if (!(run.status?.metricResults ?? []).some((r) => r.name === metric.name)) {
        rows.push([{ text: metric.name }, { text: "-" }, { text: describeMetricCondition(metric) }, { text: "· no measurement yet", colour: "dim" }]);
      }
    }
    lines.push(...table(["METRIC", "VALUE", "CONDITION", "RESULT"], rows, { width, indent: 2, flex: 2, paint }));
    lines.push(...whyLines(run, width, paint));
  }
  return lines;
}

/**
 * Under the table, what a number cannot say: why the latest measurement was Inconclusive or an Error ("not
 * enough data ...", "Prometheus unreachable ..."), and any warning it carries (Prometheus' own, points overlap).
 */
function whyLines(run: AnalysisRun, width: number, paint: Paint): string[] {
  const out: string[] = [];
  for (const result of run.status?.metricResults ?? []) {
    const latest = result.measurements?.at(-1);
    if (!latest) continue;
    const why = latest.phase === "Inconclusive" || latest.phase === "Error" ? latest.message : undefined;
    const notes = [
      ...(why ? [{ ...(PHASE_MARK[latest.phase] ?? { mark: "?", colour: "yellow" as Colour }), text: why }] : []),
      ...(latest.warnings ?? []).map((text) => ({ mark: "!", colour: "yellow" as Colour, text: `warning: ${text}` })),
    ];
    for (const note of notes) {
      const [first = "", ...rest] = wrap(`${result.name}: ${note.text}`, width, 4);
      out.push(`  ${paint(note.mark, note.colour)} ${first}`, ...rest);
    }
  }
  return out;
}
