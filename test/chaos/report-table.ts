/** The end-of-run table: one row per scenario run and a totals row. */
import { formatDuration } from "../../src/api/duration.ts";
import type { ScenarioReport } from "./chaos-scenario.ts";

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const seconds = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`);
const sum = (reports: ScenarioReport[], of: (r: ScenarioReport) => number) => reports.reduce((n, r) => n + of(r), 0);

type Totals = {
  kills: number;
  duringStartup: number;
  crashes: number;
  e500: number;
  e429: number;
  e409: number;
  timeouts: number;
  requests: number;
  watchDrops: number;
  watchesCut: number;
  compactions: number;
  promKills: number;
  promStops: number;
  checks: number;
  violations: number;
  recovery: number[];
  promotes: number;
  aborts: number;
  measurementErrors: number;
  inconclusive: number;
};

function totalsOf(reports: ScenarioReport[]): Totals {
  return {
    kills: sum(reports, (r) => r.controller.kills),
    duringStartup: sum(reports, (r) => r.controller.duringStartup),
    crashes: sum(reports, (r) => r.controller.crashes),
    e500: sum(reports, (r) => r.api.injected.error500),
    e429: sum(reports, (r) => r.api.injected.throttle429),
    e409: sum(reports, (r) => r.api.injected.conflict409),
    timeouts: sum(reports, (r) => r.api.injected.timeout),
    requests: sum(reports, (r) => r.api.requests),
    watchDrops: sum(reports, (r) => r.api.watchDrops),
    watchesCut: sum(reports, (r) => r.api.watchesCut),
    compactions: sum(reports, (r) => r.api.compactions),
    promKills: sum(reports, (r) => r.prometheus.kills),
    promStops: sum(reports, (r) => r.prometheus.stops),
    checks: sum(reports, (r) => r.invariants.checks),
    violations: sum(reports, (r) => r.invariants.violatingChecks),
    recovery: reports.flatMap((r) => r.controller.recoveryMs),
    promotes: sum(reports, (r) => r.operator.promotes),
    aborts: sum(reports, (r) => r.operator.aborts),
    measurementErrors: sum(reports, (r) => r.measurements.errors),
    inconclusive: sum(reports, (r) => r.measurements.inconclusive),
  };
}

function cells(label: string, seed: string, final: string, t: Totals, rolloutMs: number, wallMs: number, selfTest: string): string[] {
  return [
    label,
    seed,
    final,
    `${t.kills} (${t.duringStartup})`,
    String(t.crashes),
    `${t.e500}/${t.e429}/${t.e409}/${t.timeouts}`,
    `${t.requests} (${t.requests === 0 ? 0 : ((100 * (t.e500 + t.e429 + t.e409 + t.timeouts)) / t.requests).toFixed(1)}%)`,
    `${t.watchDrops} (${t.watchesCut}, ${t.compactions})`,
    `${t.promKills}/${t.promStops}`,
    `${t.measurementErrors}/${t.inconclusive}`,
    String(t.checks),
    String(t.violations),
    `${seconds(median(t.recovery))}/${seconds(t.recovery.length > 0 ? Math.max(...t.recovery) : undefined)}`,
    `${t.promotes}/${t.aborts}`,
    selfTest,
    formatDuration(Math.round(rolloutMs / 1000) * 1000),
    formatDuration(Math.round(wallMs / 1000) * 1000),
  ];
}

export function reportTable(reports: ScenarioReport[], wallMs: number): string {
  const header = [
    "scenario",
    "seed",
    "final (expected)",
    "kills (in start-up)",
    "crashes",
    "API 500/429/409/timeout",
    "API requests (faulted)",
    "watch drops (cut, 410)",
    "prom kills/stops",
    "measure err/inconcl",
    "checks",
    "violations",
    "recover med/max",
    "manual promote/abort",
    "self-test",
    "rollout",
    "wall",
  ];
  const rows = reports.map((r) =>
    cells(r.scenario.name, String(r.seed), `${r.final} (${r.scenario.expect})`, totalsOf([r]), r.rolloutMs, r.wallMs, r.selfTest.length > 0 ? `saw ${r.selfTest.join("+")}` : "BLIND"),
  );
  const ok = reports.filter((r) => r.final === r.scenario.expect).length;
  rows.push(cells("total", "", `${ok}/${reports.length} as expected`, totalsOf(reports), sum(reports, (r) => r.rolloutMs), wallMs, ""));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
