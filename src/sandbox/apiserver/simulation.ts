// Workload simulation: what the ReplicaSet controller and kubelets would do, reduced to what a
// progressive-delivery controller observes. The server feeds every ReplicaSet change to a
// pluggable WorkloadSimulator; the default one makes the desired replicas ready after a delay
// (optionally with Pod objects), so controllers can be tested without processes. The sandbox
// can plug in a simulator that starts real processes instead.
import { isObject, objectField, type JsonObject } from "../../util/json.ts";
import { metadataOf, nameOf, namespaceOf, uidOf } from "./store.ts";
import { rfc3339Seconds } from "../../util/rfc3339.ts";
import { availability, minReadySecondsOf } from "../workloads/replicaset-status.ts";

export interface ReplicaSetChange {
  type: "ADDED" | "MODIFIED" | "DELETED";
  replicaSet: JsonObject;
}

/** What a simulator may do to the cluster (writes go through the normal REST rules). */
export interface WorkloadHandle {
  /** Current ReplicaSet (undefined when gone). */
  getReplicaSet(namespace: string, name: string): JsonObject | undefined;
  /** Merge `status` fields into the ReplicaSet's status (as a write to /status). False when gone. */
  patchReplicaSetStatus(namespace: string, name: string, status: JsonObject): boolean;
  /** Pods whose controller ownerReference is the ReplicaSet with `ownerUid`. */
  listOwnedPods(namespace: string, ownerUid: string): JsonObject[];
  createPod(pod: JsonObject): JsonObject | undefined;
  deletePod(namespace: string, name: string): void;
  /** Merge `status` fields into a Pod's status. False when gone. */
  patchPodStatus(namespace: string, name: string, status: JsonObject): boolean;
}

export interface WorkloadSimulator {
  onReplicaSet(change: ReplicaSetChange, handle: WorkloadHandle): void;
  stop(): void;
}

export interface DelayedReadyOptions {
  /** Time from a ReplicaSet (re)scale until its pods count as ready and available (default 200 ms). */
  readyDelayMs?: number;
  /** Also create/delete Pod objects owned by the ReplicaSet (default false: status only). */
  pods?: boolean;
}

function replicasOf(rs: JsonObject): number {
  const r = objectField(rs, "spec")?.["replicas"];
  return typeof r === "number" ? r : 1;
}

function statusNumber(rs: JsonObject, key: string): number | undefined {
  const v = objectField(rs, "status")?.[key];
  return typeof v === "number" ? v : undefined;
}

function podFor(rs: JsonObject): JsonObject {
  const template = objectField(objectField(rs, "spec"), "template") ?? {};
  const templateMeta = objectField(template, "metadata") ?? {};
  const metadata: JsonObject = {
    generateName: `${nameOf(rs)}-`,
    namespace: namespaceOf(rs),
    labels: objectField(templateMeta, "labels") ?? {},
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: nameOf(rs), uid: uidOf(rs), controller: true, blockOwnerDeletion: true }],
  };
  const annotations = objectField(templateMeta, "annotations");
  if (annotations) metadata["annotations"] = annotations;
  return { apiVersion: "v1", kind: "Pod", metadata, spec: { ...(objectField(template, "spec") ?? {}), nodeName: "sandbox-node" } };
}

function readyPodStatus(pod: JsonObject, now: string, ip: string): JsonObject {
  const containers = objectField(pod, "spec")?.["containers"];
  const names = Array.isArray(containers) ? containers.filter(isObject).map((c) => String(c["name"] ?? "")) : [];
  const conditions = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: now }));
  return {
    phase: "Running",
    conditions,
    hostIP: "10.0.0.1",
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    containerStatuses: names.map((name) => ({ name, ready: true, started: true, restartCount: 0, image: "", imageID: "", state: { running: { startedAt: now } } })),
  };
}

/**
 * Default simulator: on a spec change, status.replicas follows spec.replicas at once (pods
 * "created"), readiness drops to at most the desired count, and after `readyDelayMs` all desired
 * replicas are ready (and their Pods, if simulated, Running and Ready). A Ready pod counts as available once
 * it has been Ready for the ReplicaSet's spec.minReadySeconds, as kube's ReplicaSet controller counts it.
 */
export class DelayedReadySimulator implements WorkloadSimulator {
  private readonly readyDelayMs: number;
  private readonly pods: boolean;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Wake-ups for pods whose minReadySeconds are still running, by ReplicaSet uid. */
  private readonly availableTimers = new Map<string, NodeJS.Timeout>();
  /** Without Pod objects: when each ready pod of a ReplicaSet became Ready (ms), by uid. */
  private readonly readySince = new Map<string, number[]>();
  private nextIp = 10;

  constructor(options: DelayedReadyOptions = {}) {
    this.readyDelayMs = options.readyDelayMs ?? 200;
    this.pods = options.pods ?? false;
  }

  onReplicaSet(change: ReplicaSetChange, handle: WorkloadHandle): void {
    const rs = change.replicaSet;
    const uid = uidOf(rs);
    if (change.type === "DELETED" || metadataOf(rs)["deletionTimestamp"] !== undefined) {
      this.clear(uid);
      this.readySince.delete(uid);
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
      if (this.pods) this.reconcilePods(rs, desired, handle);
      const capped = Math.min(ready, desired);
      this.readySince.set(uid, (this.readySince.get(uid) ?? []).slice(0, capped));
      handle.patchReplicaSetStatus(namespace, name, {
        replicas: desired,
        fullyLabeledReplicas: desired,
        readyReplicas: capped,
        availableReplicas: Math.min(capped, this.available(rs, handle)),
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
      if (this.pods) this.markPodsReady(current, handle);
      const since = this.readySince.get(uid) ?? [];
      this.readySince.set(uid, [...since, ...Array.from({ length: Math.max(0, want - since.length) }, () => Date.now())].slice(0, want));
      handle.patchReplicaSetStatus(namespace, name, { replicas: want, fullyLabeledReplicas: want, readyReplicas: want, availableReplicas: this.available(current, handle) });
    }, this.readyDelayMs);
    timer.unref();
    this.timers.set(uid, timer);
  }

  /**
   * Available pods of `rs` now; when some Ready pod is still within its minReadySeconds, a wake-up that writes
   * the count again once it is not (nothing else would: no event marks the moment).
   */
  private available(rs: JsonObject, handle: WorkloadHandle): number {
    const uid = uidOf(rs);
    const { available, nextAt } = availability(this.readyTimes(rs, handle), minReadySecondsOf(rs), Date.now());
    const pending = this.availableTimers.get(uid);
    if (pending) clearTimeout(pending);
    this.availableTimers.delete(uid);
    if (nextAt !== undefined) {
      const timer = setTimeout(() => {
        this.availableTimers.delete(uid);
        const current = handle.getReplicaSet(namespaceOf(rs), nameOf(rs));
        if (!current || uidOf(current) !== uid) return;
        const ready = statusNumber(current, "readyReplicas") ?? 0;
        handle.patchReplicaSetStatus(namespaceOf(rs), nameOf(rs), { availableReplicas: Math.min(ready, this.available(current, handle)) });
      }, Math.max(0, nextAt - Date.now()));
      timer.unref();
      this.availableTimers.set(uid, timer);
    }
    return available;
  }

  /** When each Ready pod became Ready: its Ready condition's lastTransitionTime, or (without Pods) as recorded. */
  private readyTimes(rs: JsonObject, handle: WorkloadHandle): number[] {
    if (!this.pods) return this.readySince.get(uidOf(rs)) ?? [];
    return handle.listOwnedPods(namespaceOf(rs), uidOf(rs)).flatMap((pod) => {
      const conditions = objectField(pod, "status")?.["conditions"];
      const readyCondition = Array.isArray(conditions) ? conditions.filter(isObject).find((c) => c["type"] === "Ready" && c["status"] === "True") : undefined;
      const since = Date.parse(String(readyCondition?.["lastTransitionTime"] ?? ""));
      return Number.isFinite(since) ? [since] : [];
    });
  }

  private reconcilePods(rs: JsonObject, desired: number, handle: WorkloadHandle): void {
    const owned = handle.listOwnedPods(namespaceOf(rs), uidOf(rs));
    for (let i = owned.length; i < desired; i++) handle.createPod(podFor(rs));
    // Scale-down removes the newest pods first (the ReplicaSet controller prefers young, unready ones).
    for (const pod of owned.slice(desired)) handle.deletePod(namespaceOf(pod), nameOf(pod));
  }

  private markPodsReady(rs: JsonObject, handle: WorkloadHandle): void {
    const now = rfc3339Seconds(new Date());
    for (const pod of handle.listOwnedPods(namespaceOf(rs), uidOf(rs))) {
      if (objectField(pod, "status")?.["phase"] === "Running") continue;
      const ip = `10.244.${Math.floor(this.nextIp / 250) % 250}.${(this.nextIp % 250) + 1}`;
      this.nextIp++;
      handle.patchPodStatus(namespaceOf(pod), nameOf(pod), readyPodStatus(pod, now, ip));
    }
  }

  private clear(uid: string): void {
    const t = this.timers.get(uid);
    if (t) clearTimeout(t);
    this.timers.delete(uid);
    const a = this.availableTimers.get(uid);
    if (a) clearTimeout(a);
    this.availableTimers.delete(uid);
  }

  stop(): void {
    for (const t of [...this.timers.values(), ...this.availableTimers.values()]) clearTimeout(t);
    this.timers.clear();
    this.availableTimers.clear();
  }
}

/** A simulator that does nothing (status stays whatever clients write). */
export class NoopSimulator implements WorkloadSimulator {
  onReplicaSet(): void {}
  stop(): void {}
}
