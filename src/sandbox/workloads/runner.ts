/**
 * The sandbox's kubelet and ReplicaSet controller in one: a WorkloadSimulator that gives every ReplicaSet
 * `spec.replicas` real demo-app processes on 127.0.0.1, marks a pod Ready only after its health check
 * passed, writes Pod objects and the ReplicaSet's status, and restarts processes that die (with backoff,
 * so a version that cannot start does not spin). Reconciling is synchronous; process starts, health
 * checks and stops run in the background and reconcile again when they finish, so each ReplicaSet's
 * state is only ever changed from one place.
 */
import type { Logger } from "pino";
import { pino } from "pino";
import { objectField, type JsonObject } from "../../util/json.ts";
import type { ReplicaSetChange, WorkloadHandle, WorkloadSimulator } from "../apiserver/simulation.ts";
import { metadataOf, nameOf, namespaceOf, uidOf } from "../apiserver/store.ts";
import type { ScrapeTarget } from "../prometheus.ts";
import { waitHealthy } from "./health-check.ts";
import { containerEnv, nowIso, podObjectFor, podTemplateHashOf, readyPodStatus, replicasOf, templateLabels } from "./pod-object.ts";
import { startPodProcess, type PodProcess } from "./pod-process.ts";
import { replicaSetStatusFor, statusDiffers } from "./replicaset-status.ts";

export interface WorkloadRunnerOptions {
  /** Script run with `node` for every pod (default: the demo app). */
  readonly entry?: string;
  /** SIGTERM → SIGKILL grace when a pod is stopped (default 2 s). */
  readonly stopGraceMs?: number;
  /** Time a new pod has to pass its health check (default 10 s). */
  readonly readyTimeoutMs?: number;
  /** Longest wait before restarting a ReplicaSet's failing pods (doubles from 200 ms; default 5 s). */
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
}

/** A pod the runner runs, as the sandbox (summary, tests) sees it. */
export interface SandboxPod {
  readonly namespace: string;
  readonly name: string;
  readonly replicaSet: string;
  readonly podTemplateHash: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly pid: number;
  readonly port: number;
  readonly ready: boolean;
}

interface RunningPod {
  readonly namespace: string;
  readonly name: string;
  readonly replicaSet: string;
  readonly podTemplateHash: string | undefined;
  readonly labels: Record<string, string>;
  readonly process: PodProcess;
  ready: boolean;
  /** When the pod became Ready (ms): minReadySeconds counts from here. */
  readySince: number;
  stopping: boolean;
}

interface ReplicaSetPods {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  pods: RunningPod[];
  /** Processes being spawned: they count as replicas already (a cluster shows them as Pending pods). */
  starting: number;
  failures: number;
  retryAt: number;
  retryTimer: NodeJS.Timeout | undefined;
  /** Wakes the status write when a Ready pod's minReadySeconds run out. */
  availableTimer: NodeJS.Timeout | undefined;
}

export class ProcessWorkloadRunner implements WorkloadSimulator {
  private readonly options: WorkloadRunnerOptions;
  private readonly log: Logger;
  private readonly sets = new Map<string, ReplicaSetPods>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly listeners = new Set<() => void>();
  private handle: WorkloadHandle | undefined;
  private stopped = false;
  /** Last resort for a normal exit of this process: children must not outlive it (stdin EOF covers crashes). */
  private readonly killOnExit = (): void => {
    for (const pod of this.allPods()) pod.process.kill();
  };

  constructor(options: WorkloadRunnerOptions = {}) {
    this.options = options;
    this.log = options.logger ?? pino({ level: "silent" });
    process.on("exit", this.killOnExit);
  }

  onReplicaSet(change: ReplicaSetChange, handle: WorkloadHandle): void {
    this.handle = handle;
    if (this.stopped) return;
    const rs = change.replicaSet;
    const uid = uidOf(rs);
    let state = this.sets.get(uid);
    if (!state) {
      if (change.type === "DELETED") return;
      state = { namespace: namespaceOf(rs), name: nameOf(rs), uid, pods: [], starting: 0, failures: 0, retryAt: 0, retryTimer: undefined, availableTimer: undefined };
      this.sets.set(uid, state);
    }
    this.reconcile(state);
  }

  /** Pods with a running process (Ready or still starting its health check). */
  pods(): SandboxPod[] {
    return [...this.sets.values()].flatMap((state) => state.pods.map((p) => ({ state, p }))).map(({ state, p }) => ({
      namespace: p.namespace,
      name: p.name,
      replicaSet: p.replicaSet,
      podTemplateHash: p.podTemplateHash,
      // The stored Pod's labels: the controller relabels running pods (ephemeral metadata), the process stays.
      labels: { ...(this.storedLabels(state, p) ?? p.labels) },
      pid: p.process.pid,
      port: p.process.port,
      ready: p.ready,
    }));
  }

  /** Ready pods as Prometheus file-SD targets, labelled with namespace, pod, replicaset and the template hash. */
  scrapeTargets(): ScrapeTarget[] {
    return this.allPods()
      .filter((p) => p.ready)
      .map((p) => ({
        address: `127.0.0.1:${p.process.port}`,
        labels: {
          namespace: p.namespace,
          pod: p.name,
          replicaset: p.replicaSet,
          ...(p.podTemplateHash ? { rollouts_pod_template_hash: p.podTemplateHash } : {}),
        },
      }));
  }

  /** Called after any pod starts, becomes Ready or goes away; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** WorkloadSimulator.stop (synchronous, called by the API server): begins stopping every pod. */
  stop(): void {
    void this.close();
  }

  /** Stops every pod (SIGTERM, SIGKILL after the grace) and resolves when all processes have exited. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const state of this.sets.values()) {
      if (state.retryTimer) clearTimeout(state.retryTimer);
      if (state.availableTimer) clearTimeout(state.availableTimer);
      for (const pod of state.pods) this.stopPod(pod);
      state.pods = [];
    }
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    process.off("exit", this.killOnExit);
    this.emit();
  }

  private storedLabels(state: ReplicaSetPods, pod: RunningPod): Record<string, string> | undefined {
    const stored = this.handle?.listOwnedPods(pod.namespace, state.uid).find((p) => nameOf(p) === pod.name);
    const labels = stored ? objectField(metadataOf(stored), "labels") : undefined;
    return labels ? Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === "string")) : undefined;
  }

  private allPods(): RunningPod[] {
    return [...this.sets.values()].flatMap((s) => s.pods);
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.log.warn({ err: error }, "workload change listener failed");
      }
    }
  }

  private reconcile(state: ReplicaSetPods): void {
    const handle = this.handle;
    if (!handle || this.stopped) return;
    const rs = handle.getReplicaSet(state.namespace, state.name);
    if (!rs || uidOf(rs) !== state.uid || metadataOf(rs)["deletionTimestamp"] !== undefined) {
      this.forget(state, handle);
      return;
    }
    const desired = replicasOf(rs);
    let surplus = state.pods.length + state.starting - desired;
    // Scale down the youngest unready pods first, as the ReplicaSet controller does.
    const victims = [...state.pods].reverse().sort((a, b) => Number(a.ready) - Number(b.ready));
    for (const pod of victims) {
      if (surplus <= 0) break;
      this.removePod(state, pod, handle);
      surplus--;
    }
    if (surplus < 0) this.scaleUp(state, rs, -surplus);
    this.writeStatus(state, rs, handle);
  }

  private scaleUp(state: ReplicaSetPods, rs: JsonObject, count: number): void {
    const wait = state.retryAt - Date.now();
    if (wait > 0) {
      state.retryTimer ??= setTimeout(() => {
        state.retryTimer = undefined;
        this.reconcile(state);
      }, wait);
      return;
    }
    for (let i = 0; i < count; i++) {
      state.starting++;
      const start = this.startPod(state, rs).finally(() => {
        state.starting--;
        this.reconcile(state);
      });
      this.track(start);
    }
  }

  private async startPod(state: ReplicaSetPods, rs: JsonObject): Promise<void> {
    const hash = podTemplateHashOf(rs);
    let child: PodProcess;
    try {
      child = await startPodProcess({ env: { ...containerEnv(rs), ...(hash ? { POD_TEMPLATE_HASH: hash } : {}) }, ...(this.options.entry ? { entry: this.options.entry } : {}) });
    } catch (error) {
      this.failed(state, `pod of ReplicaSet ${state.namespace}/${state.name} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const handle = this.handle;
    const current = handle?.getReplicaSet(state.namespace, state.name);
    let created: JsonObject | undefined;
    try {
      created = !this.stopped && handle && current && uidOf(current) === state.uid ? handle.createPod(podObjectFor(current, child.port)) : undefined;
    } catch (error) {
      // e.g. the namespace is terminating: the pod cannot exist, so neither may its process.
      this.log.warn({ err: error }, `could not create a pod for ReplicaSet ${state.namespace}/${state.name}`);
    }
    if (!handle || !created) {
      this.track(child.stop(0));
      return;
    }
    const pod: RunningPod = {
      namespace: state.namespace,
      name: nameOf(created),
      replicaSet: state.name,
      podTemplateHash: hash,
      labels: templateLabels(rs),
      process: child,
      ready: false,
      readySince: 0,
      stopping: false,
    };
    state.pods.push(pod);
    void child.exited.then((how) => {
      if (pod.stopping) return;
      this.removePod(state, pod, handle);
      this.failed(state, `pod ${pod.namespace}/${pod.name} exited (${how}): ${child.stderrTail().trim()}`);
      this.reconcile(state);
    });
    this.emit();
    void this.probe(state, pod, handle);
  }

  private async probe(state: ReplicaSetPods, pod: RunningPod, handle: WorkloadHandle): Promise<void> {
    const healthy = await waitHealthy(pod.process.port, { timeoutMs: this.options.readyTimeoutMs ?? 10_000, cancelled: () => pod.stopping });
    if (pod.stopping) return;
    if (!healthy) {
      this.removePod(state, pod, handle);
      this.failed(state, `pod ${pod.namespace}/${pod.name} failed its health check`);
      this.reconcile(state);
      return;
    }
    const stored = handle.listOwnedPods(pod.namespace, state.uid).find((p) => nameOf(p) === pod.name);
    if (stored) handle.patchPodStatus(pod.namespace, pod.name, readyPodStatus(stored, pod.process.pid, nowIso()));
    pod.ready = true;
    pod.readySince = Date.now();
    state.failures = 0;
    this.emit();
    this.reconcile(state);
  }

  private failed(state: ReplicaSetPods, message: string): void {
    state.failures++;
    const backoff = Math.min(200 * 2 ** (state.failures - 1), this.options.maxBackoffMs ?? 5_000);
    state.retryAt = Date.now() + backoff;
    this.log.warn({ replicaSet: `${state.namespace}/${state.name}`, backoffMs: backoff }, message);
  }

  private removePod(state: ReplicaSetPods, pod: RunningPod, handle: WorkloadHandle): void {
    state.pods = state.pods.filter((p) => p !== pod);
    handle.deletePod(pod.namespace, pod.name);
    this.stopPod(pod);
    this.emit();
  }

  private stopPod(pod: RunningPod): void {
    pod.stopping = true;
    pod.ready = false;
    this.track(pod.process.stop(this.options.stopGraceMs ?? 2_000));
  }

  /** Starts and stops in flight: close() waits for all of them, so none finishes after it. */
  private track(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  private forget(state: ReplicaSetPods, handle: WorkloadHandle): void {
    if (state.retryTimer) clearTimeout(state.retryTimer);
    if (state.availableTimer) clearTimeout(state.availableTimer);
    for (const pod of [...state.pods]) this.removePod(state, pod, handle);
    this.sets.delete(state.uid);
  }

  private writeStatus(state: ReplicaSetPods, rs: JsonObject, handle: WorkloadHandle): void {
    const ready = state.pods.filter((p) => p.ready).map((p) => p.readySince);
    const { status, nextAt } = replicaSetStatusFor(rs, state.pods.length + state.starting, ready, Date.now());
    // Only real changes: every status write comes back here as a ReplicaSet event.
    if (statusDiffers(rs, status)) handle.patchReplicaSetStatus(state.namespace, state.name, status);
    if (state.availableTimer) clearTimeout(state.availableTimer);
    state.availableTimer = undefined;
    if (nextAt === undefined) return;
    // A pod becomes available with no event of its own: look again when its minReadySeconds have passed.
    state.availableTimer = setTimeout(() => {
      state.availableTimer = undefined;
      const current = handle.getReplicaSet(state.namespace, state.name);
      if (current && this.sets.get(state.uid) === state) this.writeStatus(state, current, handle);
    }, Math.max(0, nextAt - Date.now()));
    state.availableTimer.unref();
  }
}
