/**
 * The release report in words: rows of figures (the new version beside stable) for a table, the reasons behind
 * each "not measured", and a one-line summary. Pure; `sluice get rollout` and Slack both write these, so they
 * read the same.
 */
import { REPORT_QUANTILES, type Figure, type QuantileFigure, type ReleaseReport } from "./release-report.ts";

export const NOT_MEASURED = "not measured";

export type ReportRow = { label: string; canary: string; stable: string };

const count = (n: number): string => Math.round(n).toLocaleString("en-US");

/** A share, to two significant digits: 0.013%, 1.2%, 0%. */
export const percent = (fraction: number): string => `${Number((100 * fraction).toPrecision(2))}%`;

/** Three significant digits, in ms below a second and in s from one: 21.3 ms, 1.25 s; a bare number in an unknown unit. */
function duration(value: number, unit: string | undefined): string {
  const short = (x: number) => String(Number(x.toPrecision(3)));
  const seconds = unit === "seconds" ? value : unit === "milliseconds" ? value / 1000 : undefined;
  if (seconds === undefined) return short(value);
  return seconds < 1 ? `${short(seconds * 1000)} ms` : `${short(seconds)} s`;
}

const shown = (f: Figure, format: (n: number) => string): string => ("value" in f ? format(f.value) : NOT_MEASURED);

function quantile(f: QuantileFigure, unit: string | undefined): string {
  if (!("value" in f)) return NOT_MEASURED;
  // histogram_quantile's own answer would be the bound; the true quantile is beyond it.
  return `${f.aboveHighestBucket ? "> " : ""}${duration(f.value, unit)}`;
}

function errorsCell(report: ReleaseReport, side: "canary" | "stable"): string {
  const s = report[side];
  if (!("value" in s.errorRate)) return "value" in s.errors ? `${count(s.errors.value)} (rate ${NOT_MEASURED})` : NOT_MEASURED;
  return `${percent(s.errorRate.value)} (${"value" in s.errors ? count(s.errors.value) : "?"} failed)`;
}

export function reportRows(report: ReleaseReport): ReportRow[] {
  const rows: ReportRow[] = [
    { label: "requests", canary: shown(report.canary.requests, count), stable: shown(report.stable.requests, count) },
    { label: "error rate", canary: errorsCell(report, "canary"), stable: errorsCell(report, "stable") },
  ];
  for (const [name] of REPORT_QUANTILES) {
    rows.push({ label: name, canary: quantile(report.canary.latency[name], report.latencyUnit), stable: quantile(report.stable.latency[name], report.latencyUnit) });
  }
  return rows;
}

/** Each distinct reason a figure is missing, once ("errors: no analysis of this revision had ..."). */
export function notMeasuredReasons(report: ReleaseReport): string[] {
  const reasons = new Set<string>();
  for (const side of [report.canary, report.stable]) {
    if ("notMeasured" in side.errorRate) reasons.add(`error rate: ${side.errorRate.notMeasured}`);
    for (const [name] of REPORT_QUANTILES) {
      const f = side.latency[name];
      if ("notMeasured" in f) reasons.add(`latency: ${f.notMeasured}`);
    }
  }
  return [...reasons];
}

/** Where the numbers come from: "web-abc-bg (errors, 12 looks; latency, 12 looks)". */
export function reportSources(report: ReleaseReport): string {
  const byRun = new Map<string, string[]>();
  for (const s of report.sources) byRun.set(s.run, [...(byRun.get(s.run) ?? []), `${s.metric}, ${s.looks} look${s.looks === 1 ? "" : "s"}`]);
  return [...byRun].map(([run, parts]) => `${run} (${parts.join("; ")})`).join(", ");
}

/** The heading: whose report it is, final or so far, and from which runs. */
export function reportHeading(report: ReleaseReport): string {
  const when = report.final ? "" : " so far";
  const from = report.sources.length > 0 ? `, from ${reportSources(report)}` : "";
  return `Release report${when}, revision ${report.revision}${from}`;
}

/** One line: "the new version served 12,345 requests; error rate 0.097% (stable 0.09%); p99 180 ms (stable 170 ms)". */
export function reportSummary(report: ReleaseReport): string {
  const { canary, stable } = report;
  const pair = (label: string, c: string, s: string) => (c === NOT_MEASURED && s === NOT_MEASURED ? `${label} ${NOT_MEASURED}` : `${label} ${c} (stable ${s})`);
  return [
    "value" in canary.requests ? `the new version served ${count(canary.requests.value)} requests` : `requests served by the new version ${NOT_MEASURED}`,
    pair("error rate", shown(canary.errorRate, percent), shown(stable.errorRate, percent)),
    pair("p99", quantile(canary.latency.p99, report.latencyUnit), quantile(stable.latency.p99, report.latencyUnit)),
  ].join("; ");
}

/**
 * Plain text, one figure a line (Slack, logs): heading, rows, then why anything is missing and the notes. With
 * nothing measured at all, no rows of "not measured": the reasons say it.
 */
export function reportText(report: ReleaseReport): string[] {
  return [
    reportHeading(report),
    ...(report.sources.length > 0 ? reportRows(report).map((r) => `${r.label}: new ${r.canary} · stable ${r.stable}`) : []),
    ...notMeasuredReasons(report).map((r) => `${NOT_MEASURED}: ${r}`),
    ...report.notes.map((n) => `note: ${n}`),
  ];
}
