/** The controller's own Prometheus metrics (prom-client), served on --metrics-addr at /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type ControllerMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sluice_process_" });
  let phaseCounts: () => Map<string, number> = () => new Map();
  const rolloutsByPhase = new Gauge({
    name: "sluice_rollouts",
    help: "Rollouts by phase.",
    labelNames: ["phase"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [phase, n] of phaseCounts()) this.set({ phase }, n);
    },
  });
  const canaryWeight = new Gauge({ name: "sluice_rollout_canary_weight", help: "Traffic weight on the canary, as read back from the router.", labelNames: ["namespace", "rollout"] as const, registers: [registry] });
  const stepTransitions = new Counter({ name: "sluice_rollout_step_transitions_total", help: "Canary step changes.", labelNames: ["namespace", "rollout"] as const, registers: [registry] });
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
    /** Where the phase counts come from when /metrics is scraped. */
    onCollectPhases: (count: () => Map<string, number>) => {
      phaseCounts = count;
    },
    canaryWeight,
    stepTransitions,
    forgetRollout: (namespace: string, rollout: string) => {
      canaryWeight.remove({ namespace, rollout });
      stepTransitions.remove({ namespace, rollout });
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
