/**
 * What /metrics says of each Rollout, read from the informer cache when Prometheus scrapes (not at every
 * status write): one pass over the cached Rollouts per scrape, nothing per event, and a Rollout's series go
 * with it from the cache. Also right after a restart, when nothing has been written yet.
 *
 * The per-Rollout series come from the process that holds the Rollout's shard (the one writing it), so with a
 * standby or with shards each Rollout has one set of series, and a replica that lost a shard stops reporting
 * its Rollouts at once. The phase counts (sluice_rollouts) stay what every replica sees.
 */
import type { KubeObject } from "../kube/kube-object.ts";

export type RolloutSample = {
  namespace: string;
  rollout: string;
  strategy: "canary" | "blueGreen" | "unknown";
  /** undefined before the controller first wrote a phase. */
  phase: string | undefined;
  /** 1-based current step and the number of steps, from status.stepProgress ("3/7"); canary only. */
  step: number | undefined;
  stepCount: number | undefined;
  canaryWeight: number | undefined;
};

export type RolloutSnapshot = {
  /** Every cached Rollout by phase ("Unknown" before its first status). */
  phases: Map<string, number>;
  /** The Rollouts of the shards this process holds. */
  owned: RolloutSample[];
};

type LooseSpec = { strategy?: { canary?: unknown; blueGreen?: unknown } } | undefined;
type LooseStatus = { phase?: unknown; stepProgress?: unknown; canary?: { weights?: { canary?: unknown } } } | undefined;

const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

/** Field reads only (no schema parse): this runs for every Rollout at every scrape. */
export function sampleOf(raw: KubeObject): RolloutSample {
  const strategy = (raw.spec as LooseSpec)?.strategy;
  const status = raw.status as LooseStatus;
  const progress = typeof status?.stepProgress === "string" ? status.stepProgress : undefined;
  const slash = progress?.indexOf("/") ?? -1;
  const weight = status?.canary?.weights?.canary;
  return {
    namespace: raw.metadata.namespace ?? "default",
    rollout: raw.metadata.name,
    strategy: strategy?.canary !== undefined ? "canary" : strategy?.blueGreen !== undefined ? "blueGreen" : "unknown",
    phase: typeof status?.phase === "string" ? status.phase : undefined,
    step: progress !== undefined && slash > 0 ? finite(Number(progress.slice(0, slash))) : undefined,
    stepCount: progress !== undefined && slash > 0 ? finite(Number(progress.slice(slash + 1))) : undefined,
    canaryWeight: typeof weight === "number" ? weight : undefined,
  };
}

/** One pass over the cache: the phase counts of all, the samples of the Rollouts `owns` says are this process's. */
export function snapshotOf(rollouts: Iterable<KubeObject>, owns: (rollout: KubeObject) => boolean): RolloutSnapshot {
  const phases = new Map<string, number>();
  const owned: RolloutSample[] = [];
  for (const r of rollouts) {
    const phase = (r.status as LooseStatus)?.phase;
    const key = typeof phase === "string" ? phase : "Unknown";
    phases.set(key, (phases.get(key) ?? 0) + 1);
    if (owns(r)) owned.push(sampleOf(r));
  }
  return { phases, owned };
}
