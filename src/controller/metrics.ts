/** The controller's own Prometheus metrics (prom-client), served on --metrics-addr at /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { rolloutExposition } from "./rollout-exposition.ts";
import type { RolloutSnapshot } from "./rollout-samples.ts";

export type ControllerMetrics = ReturnType<typeof createMetrics>;

/** How an AnalysisRun can finish. */
export const ANALYSIS_RESULTS = ["Successful", "Failed", "Error", "Inconclusive"] as const;
export type AnalysisResult = (typeof ANALYSIS_RESULTS)[number];

/** prom-client's registry, followed by the per-Rollout gauges it does not format (rollout-exposition.ts says why). */
class ControllerRegistry extends Registry {
  rollouts: () => string = () => "";

  override async metrics(): Promise<string> {
    // First: this takes the scrape's snapshot, which the collect()s of super.metrics() then share.
    const rollouts = this.rollouts();
    return (await super.metrics()) + rollouts;
  }
}

export function createMetrics() {
  const registry = new ControllerRegistry();
  collectDefaultMetrics({ register: registry, prefix: "sluice_process_" });

  // The Rollouts' state, read from the cache at scrape time (rollout-samples.ts says why). Taken once per
  // scrape: registry.metrics() runs every collect() in one synchronous pass, before setImmediate fires (a
  // collect that came later would only take the snapshot again).
  let source: () => RolloutSnapshot = () => ({ phases: new Map(), owned: [] });
  let taken: RolloutSnapshot | undefined;
  const snapshot = (): RolloutSnapshot => {
    if (taken === undefined) {
      taken = source();
      setImmediate(() => {
        taken = undefined;
      });
    }
    return taken;
  };
  const rolloutsByPhase = new Gauge({
    name: "sluice_rollouts",
    help: "Rollouts by phase (every Rollout this replica caches).",
    labelNames: ["phase"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [phase, n] of snapshot().phases) this.set({ phase }, n);
    },
  });
  registry.rollouts = () => rolloutExposition(snapshot().owned);
  const stepTransitions = new Counter({ name: "sluice_rollout_step_transitions_total", help: "Canary step changes.", labelNames: ["namespace", "rollout"] as const, registers: [registry] });
  const analysisResults = new Counter({
    name: "sluice_analysis_run_results_total",
    help: "AnalysisRuns of the Rollout finished, by result (Successful, Failed, Error, Inconclusive); counted by the process that wrote the result.",
    labelNames: ["namespace", "rollout", "phase"] as const,
    registers: [registry],
  });
  const metricValue = new Gauge({
    name: "sluice_analysis_metric_value",
    help: "The last numeric value an analysis metric of the Rollout measured (metric: its name in the template).",
    labelNames: ["namespace", "rollout", "metric"] as const,
    registers: [registry],
  });
  /** The metric names with a sluice_analysis_metric_value series, per "namespace/rollout": what forgetRollout removes. */
  const measured = new Map<string, Set<string>>();

  return {
    registry,
    reconcileDuration: new Histogram({
      name: "sluice_reconcile_duration_seconds",
      help: "Time to reconcile one Rollout (observe, decide, execute, status write).",
      labelNames: ["result"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: "sluice_workqueue_depth", help: "Rollouts waiting to be reconciled.", registers: [registry] }),
    rolloutsByPhase,
    /** Where the Rollouts' state comes from when /metrics is scraped (a pass over the cache: rollout-samples.ts). */
    onCollectRollouts: (take: () => RolloutSnapshot) => {
      source = take;
    },
    stepTransitions,
    analysis: {
      /** An AnalysisRun of the Rollout finished (called once, by the process that wrote its result). */
      finished(namespace: string, rollout: string, phase: AnalysisResult): void {
        analysisResults.inc({ namespace, rollout, phase });
      },
      /** A metric of the Rollout's analysis measured `value`. */
      measured(namespace: string, rollout: string, metric: string, value: number): void {
        metricValue.set({ namespace, rollout, metric }, value);
        const key = `${namespace}/${rollout}`;
        const names = measured.get(key);
        if (names !== undefined) {
          names.add(metric);
          return;
        }
        measured.set(key, new Set([metric]));
        // The result series exist, at 0, from the Rollout's first measurement here (a run takes minutes): a
        // counter that first appears at 1 has that 1 lost to increase() and rate(), which need two samples.
        for (const phase of ANALYSIS_RESULTS) analysisResults.inc({ namespace, rollout, phase }, 0);
      },
    },
    /** A deleted Rollout leaves no series behind (a platform creating and deleting Rollouts would grow them forever). */
    forgetRollout: (namespace: string, rollout: string) => {
      stepTransitions.remove({ namespace, rollout });
      for (const phase of ANALYSIS_RESULTS) analysisResults.remove({ namespace, rollout, phase });
      const key = `${namespace}/${rollout}`;
      for (const metric of measured.get(key) ?? []) metricValue.remove({ namespace, rollout, metric });
      measured.delete(key);
    },
    apiRequests: new Counter({ name: "sluice_kube_api_requests_total", help: "Kubernetes API requests by verb, kind and HTTP code (0 = no response).", labelNames: ["verb", "kind", "code"] as const, registers: [registry] }),
    isLeader: new Gauge({ name: "sluice_leader", help: "1 when this instance is the leader (or leader election is off); sharded, when it holds any shard.", registers: [registry] }),
    notifications: {
      sent: new Counter({ name: "sluice_notifications_sent_total", help: "Notifications delivered, by receiver type and event.", labelNames: ["receiver_type", "event"] as const, registers: [registry] }),
      failed: new Counter({
        name: "sluice_notifications_failed_total",
        help: "Notifications given up on after their retries (reason: timeout, connection, http_5xx, http_4xx, config).",
        labelNames: ["receiver_type", "event", "reason"] as const,
        registers: [registry],
      }),
      dropped: new Counter({ name: "sluice_notifications_dropped_total", help: "Notifications dropped, oldest first, because the delivery queue was full.", registers: [registry] }),
      queueDepth: new Gauge({ name: "sluice_notifications_queue_depth", help: "Notifications waiting for delivery.", registers: [registry] }),
    },
    shardsHeld: new Gauge({ name: "sluice_shards_held", help: "Shards of the Rollouts this instance holds (1 unsharded when leading).", registers: [registry] }),
  };
}
