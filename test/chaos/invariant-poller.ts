/**
 * Checks invariants (a), (b) and (c) on the real objects, with the checks written once in
 * src/core/invariants.ts, and counts checks and violations. Each check is one atomic snapshot (see
 * cluster-snapshot.ts). It checks every `intervalMs` and also right after every write to a Rollout, ReplicaSet,
 * Service or HTTPRoute (the store's own event, still in the writing call), so a state that lasts less than
 * a poll period is judged too. (b) is judged only once the Rollout has been Healthy: before that its first
 * pods are still starting and nothing serves. A violating state is printed in full the first time its
 * message is seen.
 */
import { ruleWeightViolations, stateViolations, type InvariantName, type Violation } from "../../src/core/invariants.ts";
import type { Store } from "../../src/sandbox/apiserver/store.ts";
import { readSnapshot, SNAPSHOT_SOURCES, type ClusterSnapshot } from "./cluster-snapshot.ts";

export type PollerCounts = {
  checks: number;
  /** Checks that found at least one violation. */
  violatingChecks: number;
  byInvariant: Partial<Record<InvariantName, number>>;
};

export type InvariantPoller = {
  /** One check now (also what the timer runs); the violations it found. */
  checkNow(): Violation[];
  counts(): PollerCounts;
  stop(): PollerCounts;
};

export type PollerOptions = {
  store: Store;
  namespace: string;
  rollout: string;
  intervalMs: number;
  /** Called with a printable account of the first occurrence of each distinct violation. */
  report: (text: string) => void;
};

/** The violations of one snapshot: the state's (a), (b), (c) and the raw route rules' (c). */
export function violationsOf(snapshot: ClusterSnapshot, judgeCapacity: boolean): Violation[] {
  const state = stateViolations(snapshot.rollout, snapshot.observed).filter((v) => judgeCapacity || v.invariant !== "b");
  return [...state, ...ruleWeightViolations(snapshot.routeRules)];
}

export function describeSnapshot(snapshot: ClusterSnapshot): string {
  const s = snapshot.rollout.status ?? {};
  const { observed } = snapshot;
  const lines = [
    `  rollout: phase ${s.phase ?? "-"}, step ${s.currentStepIndex ?? "-"}, stable ${s.stableRS ?? "-"}, current ${s.currentPodHash ?? "-"}, abort ${s.abort === true}, message ${JSON.stringify(s.message ?? "")}`,
    ...observed.replicaSets.map((rs) => `  ReplicaSet ${rs.name}: replicas ${rs.replicas}, ready ${rs.readyReplicas}, available ${rs.availableReplicas}`),
    ...Object.values(observed.services).map((svc) => `  Service ${svc.name}: selects ${svc.podHash ?? "(every pod)"}`),
    `  routing: ${JSON.stringify(observed.routing ?? "none")}; rules ${JSON.stringify(snapshot.routeRules)}`,
  ];
  return lines.join("\n");
}

export function startInvariantPoller(options: PollerOptions): InvariantPoller {
  const counts: PollerCounts = { checks: 0, violatingChecks: 0, byInvariant: {} };
  const reported = new Set<string>();
  let wasHealthy = false;
  const checkNow = (): Violation[] => {
    const snapshot = readSnapshot(options.store, options.namespace, options.rollout);
    if (!snapshot) return [];
    wasHealthy ||= snapshot.rollout.status?.phase === "Healthy";
    const found = violationsOf(snapshot, wasHealthy);
    counts.checks++;
    if (found.length === 0) return found;
    counts.violatingChecks++;
    for (const v of found) counts.byInvariant[v.invariant] = (counts.byInvariant[v.invariant] ?? 0) + 1;
    const key = found.map((v) => `${v.invariant}: ${v.message}`).join("; ");
    if (!reported.has(key)) {
      reported.add(key);
      options.report(`VIOLATION ${key}\n${describeSnapshot(snapshot)}`);
    }
    return found;
  };
  const timer = setInterval(checkNow, options.intervalMs);
  const unsubscribe = options.store.onEvent((storageKey) => {
    if (!SNAPSHOT_SOURCES.has(storageKey)) return;
    try {
      checkNow();
    } catch (error) {
      // Inside the store's write: a bug of the check must not fail the write it observes.
      options.report(`invariant check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  });
  return {
    checkNow,
    counts: () => ({ ...counts, byInvariant: { ...counts.byInvariant } }),
    stop() {
      clearInterval(timer);
      unsubscribe();
      return { ...counts, byInvariant: { ...counts.byInvariant } };
    },
  };
}
