/**
 * Run a template's metrics as an AnalysisRun would have, on a virtual clock: measurements are taken at the
 * times the executor would have taken them (initialDelay, then every interval), each as a Prometheus query AT
 * that time, and judged by the same code as the executor (advanceRun). A window ending before the run does
 * settles it as the controller's terminate would.
 */
import type { AnalysisRunStatus, Measurement } from "../../api/analysis-run.ts";
import { runBudget } from "../../analysis/false-abort-budget.ts";
import { advanceRun, finalLooksAtTermination, type AnalysisRunSpec } from "../../analysis/run-progress.ts";
import { takeMeasurements } from "../../analysis/take-measurements.ts";
import type { ArgsOutcome } from "../../analysis/resolve-args.ts";
import type { MetricProvider } from "../../providers/types.ts";

export type ReplayInput = {
  spec: AnalysisRunSpec;
  provider: MetricProvider;
  args: ArgsOutcome;
  namespace: string;
  from: Date;
  to: Date;
  onMeasurement: (metric: string, measurement: Measurement) => void;
};

export async function replayAnalysis(input: ReplayInput): Promise<AnalysisRunStatus> {
  let progress = advanceRun(input.spec, undefined, [], input.from);
  for (;;) {
    if (progress.due.length === 0) return progress.status;
    const next = Math.min(...progress.due.map((d) => d.at.getTime()));
    const measure = async (names: ReadonlySet<string>, at: Date, final: boolean) => {
      const taken = await takeMeasurements({
        provider: input.provider,
        metrics: input.spec.metrics.filter((m) => names.has(m.name)),
        status: progress.status,
        args: input.args,
        namespace: input.namespace,
        at,
        now: () => at,
        final,
        budget: runBudget(input.spec),
      });
      for (const t of taken) input.onMeasurement(t.metric, t.measurement);
      return taken;
    };
    if (next > input.to.getTime()) {
      // The window is over: as a terminated run does, the metrics without a last look of their own take it, then
      // every metric settles where it stands.
      const terminated = { ...input.spec, terminate: true };
      const finals = new Set(finalLooksAtTermination(terminated, progress.status));
      const taken = finals.size > 0 ? await measure(finals, input.to, true) : [];
      return advanceRun(terminated, progress.status, taken, input.to).status;
    }
    const at = new Date(Math.max(next, input.from.getTime()));
    const dueNames = new Set(progress.due.filter((d) => d.at.getTime() <= at.getTime()).map((d) => d.metric));
    progress = advanceRun(input.spec, progress.status, await measure(dueNames, at, false), at);
  }
}
