/**
 * The analysis series of /metrics, fed by the runner as it writes runs (O(1) per write): a run's result once,
 * and each numeric measurement as its metric's last value. Only runs of a Rollout still in the cache count:
 * a run finishing just after its Rollout was deleted (its runs go with it) would otherwise bring back the
 * series forgetRollout had removed, and nothing would remove them again.
 */
import type { AnalysisRunnerOptions } from "../analysis/runner.ts";
import type { KubeObject } from "../kube/kube-client.ts";
import type { ClusterView } from "./cluster-view.ts";
import { ROLLOUT_LABEL } from "./labels.ts";
import type { ControllerMetrics } from "./metrics.ts";

type Hooks = Required<Pick<AnalysisRunnerOptions, "onFinished" | "onMeasured">>;

/** A measurement's value when it is one number ("0.0123"); not a vector, a string, NaN or a Job's (none). */
export function numericValue(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function analysisMetricHooks(metrics: ControllerMetrics["analysis"], view: Pick<ClusterView, "rollout">): Hooks {
  const rolloutOf = (run: KubeObject): { namespace: string; rollout: string } | undefined => {
    const namespace = run.metadata.namespace ?? "default";
    const rollout = run.metadata.labels?.[ROLLOUT_LABEL];
    return rollout !== undefined && view.rollout?.(namespace, rollout) ? { namespace, rollout } : undefined;
  };
  return {
    onFinished(run, phase) {
      const of = rolloutOf(run);
      if (of) metrics.finished(of.namespace, of.rollout, phase);
    },
    onMeasured(run, taken) {
      const of = rolloutOf(run);
      if (!of) return;
      for (const t of taken) {
        const value = numericValue(t.measurement.value);
        if (value !== undefined) metrics.measured(of.namespace, of.rollout, t.metric, value);
      }
    },
  };
}
