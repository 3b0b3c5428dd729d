// Workload simulation: what kubelets and the ReplicaSet controller would do, reduced to status.
// The server feeds every ReplicaSet change to a pluggable WorkloadSimulator; the default one
// marks the desired replicas ready after a delay, so controllers can be tested without
// processes. The sandbox can plug in a simulator that starts real processes instead.
import { objectField, type JsonObject } from "./json.ts";
import { metadataOf, nameOf, namespaceOf, uidOf } from "./store.ts";

export interface ReplicaSetChange {
  type: "ADDED" | "MODIFIED" | "DELETED";
  replicaSet: JsonObject;
}

/** What a simulator may do to the cluster. */
export interface WorkloadHandle {
  /** Current ReplicaSet (undefined when gone). */
  getReplicaSet(namespace: string, name: string): JsonObject | undefined;
  /** Merge `status` fields into the ReplicaSet's status (as a write to /status). False when gone. */
  patchReplicaSetStatus(namespace: string, name: string, status: JsonObject): boolean;
}

export interface WorkloadSimulator {
  onReplicaSet(change: ReplicaSetChange, handle: WorkloadHandle): void;
  stop(): void;
}

export interface DelayedReadyOptions {
  /** Time from a ReplicaSet (re)scale until its pods count as ready and available (default 200 ms). */
  readyDelayMs?: number;
}

function replicasOf(rs: JsonObject): number {
  const r = objectField(rs, "spec")?.["replicas"];
  return typeof r === "number" ? r : 1;
}

function statusNumber(rs: JsonObject, key: string): number | undefined {
  const v = objectField(rs, "status")?.[key];
  return typeof v === "number" ? v : undefined;
}

/**
 * Default simulator: on a spec change, status.replicas follows spec.replicas at once (pods
 * "created"), readiness drops to at most the desired count, and after `readyDelayMs` all desired
 * replicas are ready and available.
 */
export class DelayedReadySimulator implements WorkloadSimulator {
  private readonly readyDelayMs: number;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(options: DelayedReadyOptions = {}) {
    this.readyDelayMs = options.readyDelayMs ?? 200;
  }

  onReplicaSet(change: ReplicaSetChange, handle: WorkloadHandle): void {
    const rs = change.replicaSet;
    const uid = uidOf(rs);
    if (change.type === "DELETED" || metadataOf(rs)["deletionTimestamp"] !== undefined) {
      this.clear(uid);
      return;
    }
    const desired = replicasOf(rs);
    const generation = metadataOf(rs)["generation"];
    const observed = statusNumber(rs, "observedGeneration");
    const ready = statusNumber(rs, "readyReplicas") ?? 0;
    const namespace = namespaceOf(rs);
    const name = nameOf(rs);
    const specChanged = observed !== generation || statusNumber(rs, "replicas") !== desired;
    if (specChanged) {
      const capped = Math.min(ready, desired);
      handle.patchReplicaSetStatus(namespace, name, {
        replicas: desired,
        fullyLabeledReplicas: desired,
        readyReplicas: capped,
        availableReplicas: capped,
        observedGeneration: typeof generation === "number" ? generation : 1,
      });
    }
    if (ready === desired && !specChanged) return;
    if (this.timers.has(uid) && !specChanged) return;
    this.clear(uid);
    const timer = setTimeout(() => {
      this.timers.delete(uid);
      const current = handle.getReplicaSet(namespace, name);
      if (!current || uidOf(current) !== uid) return;
      const want = replicasOf(current);
      handle.patchReplicaSetStatus(namespace, name, { replicas: want, fullyLabeledReplicas: want, readyReplicas: want, availableReplicas: want });
    }, this.readyDelayMs);
    timer.unref();
    this.timers.set(uid, timer);
  }

  private clear(uid: string): void {
    const t = this.timers.get(uid);
    if (t) clearTimeout(t);
    this.timers.delete(uid);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** A simulator that does nothing (status stays whatever clients write). */
export class NoopSimulator implements WorkloadSimulator {
  onReplicaSet(): void {}
  stop(): void {}
}
