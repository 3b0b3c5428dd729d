/** Weight and replica arithmetic: pods for a routed weight, and the weight pods give when there is no router. */

/** Canary pods needed to serve `weight`% of traffic through a router, with `total` stable replicas. */
export function canaryReplicasForWeight(total: number, weight: number): number {
  if (weight <= 0) return 0;
  return Math.min(total, Math.max(1, Math.ceil((total * weight) / 100)));
}

export type ReplicaSplit = {
  canary: number;
  stable: number;
  achievedWeight: number;
  /** Set when the pods cannot give the weight asked for, saying what they give instead. */
  note?: string;
};

const pods = (n: number) => `${n} pod${n === 1 ? "" : "s"}`;

/**
 * Without a router the weight is the share of pods. Any weight above 0 gets at least one canary pod, any
 * weight below 100 keeps at least one stable pod (surging past `total` when it must), and the weight actually
 * achieved is reported: with 4 replicas, 10% is 1 canary pod beside 3 stable ones, i.e. 25%.
 */
export function replicaRatio(total: number, weight: number): ReplicaSplit {
  if (weight <= 0) return { canary: 0, stable: total, achievedWeight: 0 };
  if (weight >= 100) return { canary: total, stable: 0, achievedWeight: 100 };
  const canary = Math.max(1, Math.round((total * weight) / 100));
  const stable = Math.max(1, total - canary);
  const achievedWeight = Math.round((100 * canary) / (canary + stable));
  if (achievedWeight === weight) return { canary, stable, achievedWeight };
  const note = `with ${total} replica${total === 1 ? "" : "s"}, ${weight}% is ${pods(canary)} beside ${pods(stable)} = ${achievedWeight}% of traffic; use more replicas or a traffic router for finer steps`;
  return { canary, stable, achievedWeight, note };
}

/** Weight as seen from ready pods (no router): the share of ready pods that run the canary. */
export function weightFromPods(canaryReady: number, stableReady: number): number {
  const total = canaryReady + stableReady;
  return total === 0 ? 0 : Math.round((100 * canaryReady) / total);
}
