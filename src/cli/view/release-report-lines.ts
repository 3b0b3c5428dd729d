/**
 * `get rollout`'s release report: the same report the completed and aborted notifications carry, built by the
 * same pure code from the AnalysisRuns already read for the view, for the revision the status is about. Shown
 * once there is something to report on: the new version has served (status.servingSince: "so far" while the
 * rollout goes on, final once its runs have ended) or the rollout was aborted.
 */
import type { AnalysisRun } from "../../api/analysis-run.ts";
import type { Rollout } from "../../api/rollout.ts";
import { releaseReport } from "../../analysis/release-report.ts";
import { notMeasuredReasons, NOT_MEASURED, reportHeading, reportRows } from "../../analysis/release-report-text.ts";
import { wrap, type Colour, type Paint } from "./style.ts";
import { table, type Cell } from "./table.ts";

export function releaseReportLines(rollout: Rollout, runs: AnalysisRun[], width: number, paint: Paint): string[] {
  const s = rollout.status ?? {};
  if (s.currentPodHash === undefined || (s.servingSince === undefined && s.phase !== "Aborted")) return [];
  const report = releaseReport({ rolloutName: rollout.metadata.name, revision: s.currentPodHash, retryCount: s.retryCount, runs });
  const lines = ["", ...wrap(reportHeading(report), width, 2).map((l, i) => (i === 0 ? paint(l, "bold") : l))];
  if (report.sources.length > 0) {
    const cell = (text: string): Cell => ({ text, colour: text === NOT_MEASURED ? ("dim" as Colour) : undefined });
    const rows = reportRows(report).map((r) => [{ text: r.label }, cell(r.canary), cell(r.stable)]);
    lines.push(...table(["", "NEW VERSION", "STABLE"], rows, { width, indent: 2, flex: 1, paint }));
  }
  for (const text of [...notMeasuredReasons(report).map((r) => `${NOT_MEASURED}: ${r}`), ...report.notes.map((n) => `note: ${n}`)]) {
    const [first = "", ...rest] = wrap(text, width, 4);
    lines.push(`  ${paint("·", "dim")} ${first}`, ...rest);
  }
  return lines;
}
