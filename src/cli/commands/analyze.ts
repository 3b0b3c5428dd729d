/**
 * `sluice analyze TEMPLATE_FILE --prometheus URL [--arg k=v]... [--from T --to T [--step D] | --now]`:
 * a template's metrics against Prometheus without a rollout, to set thresholds on real history.
 */
import type { CommandModule } from "yargs";
import { analysisRunSpecSchema, type Measurement } from "../../api/analysis-run.ts";
import { durationToMs, formatDuration } from "../../api/duration.ts";
import type { Metric } from "../../api/metric.ts";
import { parseSluiceObject } from "../../api/objects.ts";
import { resolveArgs } from "../../analysis/resolve-args.ts";
import { PrometheusProvider } from "../../providers/prometheus.ts";
import { replayAnalysis } from "../analyze/replay.ts";
import { UserError } from "../errors.ts";
import { readManifests } from "../files.ts";
import { describeMetricCondition } from "../view/analysis-lines.ts";

type AnalyzeArgs = { file: string; prometheus: string; arg: string[]; from?: string | undefined; to?: string | undefined; step?: string | undefined; now: boolean; template?: string | undefined };

function parseTime(text: string, what: string): Date {
  // RFC 3339, or relative to now: "-2h" (two hours ago).
  const relative = /^-(.+)$/.exec(text);
  const ms = relative?.[1] ? durationToMs(relative[1]) : undefined;
  const date = ms !== undefined ? new Date(Date.now() - ms) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UserError(`--${what} must be a time such as 2026-11-17T10:00:00Z or -2h (got "${text}")`);
  return date;
}

const MARK: Record<string, string> = { Successful: "✔", Failed: "✖", Inconclusive: "?", Error: "⚠" };

function measurementLine(metric: Metric | undefined, name: string, m: Measurement, nameWidth: number): string {
  const at = (m.startedAt ?? "").replace(/\.\d{3}Z$/, "Z");
  const value = (m.value ?? "-").padEnd(10);
  const extra = m.phase === "Successful" || m.phase === "Failed" ? "" : `  ${m.message ?? ""}`;
  return `${at}  ${name.padEnd(nameWidth)}  ${value}  ${describeMetricCondition(metric).padEnd(12)}  ${MARK[m.phase] ?? "·"} ${m.phase}${extra}`;
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: "analyze <file>",
  describe: "Run an analysis template's metrics against Prometheus over a past window (or now), without a rollout",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "YAML with an AnalysisTemplate or ClusterAnalysisTemplate" })
      .option("prometheus", { type: "string", demandOption: true, describe: "Prometheus base URL (used for every metric)" })
      .option("arg", { type: "string", array: true, default: [] as string[], describe: "Template argument NAME=VALUE (repeatable)" })
      .option("from", { type: "string", describe: "Start of the window (RFC 3339, or -2h)" })
      .option("to", { type: "string", describe: "End of the window (default: now)" })
      .option("step", { type: "string", describe: "Measure every D instead of each metric's interval" })
      .option("now", { type: "boolean", default: false, describe: "Measure each metric once, now" })
      .option("template", { type: "string", describe: "Template name, when the file holds several" }),
  handler: async (args) => {
    if (args.now === (args.from !== undefined)) throw new UserError("give either --from (with --to) or --now");
    const templates = readManifests([args.file])
      .map((d) => parseSluiceObject(d.content))
      .flatMap((p) => (p.status === "valid" && (p.object.kind === "AnalysisTemplate" || p.object.kind === "ClusterAnalysisTemplate") ? [p.object.value] : []));
    const template = args.template ? templates.find((t) => t.metadata.name === args.template) : templates[0];
    if (!template) throw new UserError(`${args.file}: no valid ${args.template ? `template "${args.template}"` : "AnalysisTemplate or ClusterAnalysisTemplate"} (check it with \`sluice lint ${args.file}\`)`);
    if (!args.template && templates.length > 1) throw new UserError(`${args.file} holds ${templates.length} templates; pick one with --template (${templates.map((t) => t.metadata.name).join(", ")})`);

    const stepMs = args.step !== undefined ? durationToMs(args.step) : undefined;
    if (args.step !== undefined && (stepMs === undefined || stepMs <= 0)) throw new UserError(`--step must be a duration such as 30s or 5m (got "${args.step}")`);
    // From a laptop the cluster-internal address of the template is rarely reachable: --prometheus is used for all.
    // A Job metric needs a cluster to run its Job in, and a past window cannot be replayed by running one now.
    const jobs = template.spec.metrics.filter((m) => m.provider.job).map((m) => m.name);
    if (jobs.length === template.spec.metrics.length) throw new UserError(`template ${template.metadata.name} has only provider.job metrics (${jobs.join(", ")}); analyze runs prometheus and web metrics, a Job metric runs only in an AnalysisRun on a cluster`);
    if (jobs.length > 0) process.stderr.write(`skipping provider.job metric(s) ${jobs.join(", ")}: a Job runs only in an AnalysisRun on a cluster\n`);
    const metrics = template.spec.metrics.filter((m) => !m.provider.job).map((m) => ({
      ...m,
      ...(stepMs !== undefined ? { interval: `${stepMs}ms` } : {}),
      ...(args.now ? { interval: undefined, initialDelay: undefined } : {}),
      provider: m.provider.web ? m.provider : { prometheus: { ...m.provider.prometheus, address: args.prometheus } },
    }));
    const given = new Map(args.arg.map((a) => {
      const at = a.indexOf("=");
      if (at <= 0) throw new UserError(`--arg must be NAME=VALUE (got "${a}")`);
      return [a.slice(0, at), a.slice(at + 1)] as const;
    }));
    const declared = template.spec.args ?? [];
    const unknown = [...given.keys()].filter((k) => !declared.some((d) => d.name === k));
    if (unknown.length > 0) throw new UserError(`template ${template.metadata.name} declares no argument ${unknown.join(", ")}; it declares: ${declared.map((d) => d.name).join(", ") || "none"}`);
    const runArgs = declared.map((d) => (given.has(d.name) ? { name: d.name, value: given.get(d.name) } : d));
    const missing = runArgs.filter((a) => a.value === undefined).map((a) => a.name);
    if (missing.length > 0) throw new UserError(`pass a value for ${missing.map((m) => `--arg ${m}=...`).join(" ")} (secrets are not read by analyze)`);

    const spec = analysisRunSpecSchema.parse({ metrics, args: runArgs, ...(template.spec.judge ? { judge: template.spec.judge } : {}) });
    const from = args.now ? new Date() : parseTime(args.from ?? "", "from");
    const to = args.now ? from : args.to ? parseTime(args.to, "to") : new Date();
    if (to < from) throw new UserError("--to is before --from");
    const provider = new PrometheusProvider({ defaultAddress: args.prometheus, readSecret: async () => undefined });
    const nameWidth = Math.max(...spec.metrics.map((m) => m.name.length));
    process.stdout.write(`analysis ${template.metadata.name}: ${args.now ? `now (${from.toISOString()})` : `${from.toISOString()} .. ${to.toISOString()} (${formatDuration(to.getTime() - from.getTime())})`}\n`);
    const status = await replayAnalysis({
      spec,
      provider,
      args: await resolveArgs(spec.args, "default", async () => undefined),
      namespace: template.metadata.namespace ?? "default",
      from,
      to,
      onMeasurement: (name, m) => process.stdout.write(`${measurementLine(spec.metrics.find((x) => x.name === name), name, m, nameWidth)}\n`),
    });
    for (const r of status.metricResults ?? []) {
      process.stdout.write(`${r.name.padEnd(nameWidth)}  ${r.phase}: ${r.count} measured, ${r.successful} passed, ${r.failed} failed, ${r.inconclusive} inconclusive, ${r.error} errors${r.message ? ` (${r.message})` : ""}\n`);
    }
    process.stdout.write(`result: ${status.phase ?? "Running"}${status.message ? `: ${status.message}` : ""}\n`);
    if (status.phase !== "Successful") throw new UserError(`the analysis would have ended ${status.phase ?? "unfinished"}`, 1);
  },
};
