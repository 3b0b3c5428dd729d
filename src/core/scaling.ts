/**
 * maxSurge and maxUnavailable, as Deployments and Argo Rollouts read them: surge rounds up, unavailable rounds
 * down, and when both come to zero one pod may be unavailable (otherwise nothing could ever be replaced).
 * `boundedScale` moves several ReplicaSets of one workload towards their targets without ever going past
 * spec.replicas + maxSurge pods or below spec.replicas - maxUnavailable available ones.
 */

export type Fenceposts = { maxSurge: number; maxUnavailable: number };

/** An int-or-percent of `total`: 2, "25%", "12.5%". */
function resolve(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const exact = (Number.parseFloat(value) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxUnavailable alone (blue-green, where a whole second version is the surge). */
export const unavailableOf = (total: number, maxUnavailable: number | string): number => Math.min(total, resolve(maxUnavailable, total, false));

export function fenceposts(total: number, maxSurge: number | string, maxUnavailable: number | string): Fenceposts {
  const surge = resolve(maxSurge, total, true);
  let unavailable = unavailableOf(total, maxUnavailable);
  if (surge === 0 && unavailable === 0) unavailable = Math.min(1, total);
  return { maxSurge: surge, maxUnavailable: unavailable };
}

/** How many pods must stay available: spec.replicas - maxUnavailable. */
export const availabilityFloor = (total: number, f: Fenceposts): number => Math.max(0, total - f.maxUnavailable);

export type ScaledSet = {
  key: string;
  /** spec.replicas now. */
  replicas: number;
  /** Available pods now (never more than replicas). */
  available: number;
  target: number;
};

/**
 * One step towards the targets. Sets listed first get surge room first; pods come off the sets listed last
 * first. Unavailable pods go first and for free (the ReplicaSet controller deletes pods that are not ready
 * before ready ones); available pods only while the available total stays at or above the floor.
 */
export function boundedScale(total: number, f: Fenceposts, sets: readonly ScaledSet[]): Map<string, number> {
  const next = new Map(sets.map((s) => [s.key, s.replicas]));
  const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
  // A target that itself needs more than the surge allows (one canary pod beside one stable pod of 1) may have it.
  const maxPods = Math.max(total + f.maxSurge, sum(sets.map((s) => s.target)));
  const floor = availabilityFloor(total, f);

  let room = maxPods - sum(next.values());
  for (const s of sets) {
    if (s.target <= s.replicas || room <= 0) continue;
    const up = Math.min(s.target - s.replicas, room);
    next.set(s.key, s.replicas + up);
    room -= up;
  }

  let spare = sum(sets.map((s) => s.available)) - floor;
  for (const s of [...sets].reverse()) {
    if (s.target >= s.replicas) continue;
    const unavailable = s.replicas - s.available;
    const free = Math.min(s.replicas - s.target, unavailable);
    const paid = Math.max(0, Math.min(s.replicas - s.target - free, spare));
    spare -= paid;
    next.set(s.key, s.replicas - free - paid);
  }
  return next;
}
