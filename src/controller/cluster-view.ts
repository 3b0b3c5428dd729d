/**
 * Cached reads of everything a reconcile looks at, kept current by informers (list + watch with resume).
 * The Rollout itself comes from here once the cache shows this process's last write of it, and from the API
 * server otherwise (reconcile.ts).
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_GROUP, API_VERSION } from "../api/group.ts";
import { InformerSupervisor, type RestartPolicy } from "../kube/informer-supervisor.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { trimForCache } from "./cache-projection.ts";
import { ROLLOUT_LABEL } from "./labels.ts";
import type { OwnWrite } from "./own-writes.ts";

export interface ClusterView {
  /** Resolves true once the caches show these writes (see own-writes.ts), false after timeoutMs. */
  waitForOwnWrites?(writes: readonly OwnWrite[], timeoutMs: number): Promise<boolean>;
  rollouts(): KubeObject[];
  /** One cached Rollout (absent where the view keeps none: reconcile then reads it from the API server). */
  rollout?(namespace: string, name: string): KubeObject | undefined;
  replicaSets(namespace: string, rollout: string): KubeObject[];
  analysisRuns(namespace: string, rollout: string): KubeObject[];
  service(namespace: string, name: string): KubeObject | undefined;
  analysisTemplate(namespace: string, name: string): KubeObject | undefined;
  clusterAnalysisTemplate(name: string): KubeObject | undefined;
  /** A Deployment a Rollout names in spec.workloadRef (absent where the view keeps none). */
  deployment?(namespace: string, name: string): KubeObject | undefined;
}

export type WatchedKind = "Rollout" | "ReplicaSet" | "Service" | "AnalysisRun" | "AnalysisTemplate" | "ClusterAnalysisTemplate" | "Deployment";

type Source = {
  kind: WatchedKind;
  apiVersion: string;
  path: (ns: string | undefined) => string;
  list: (ns: string | undefined) => Promise<KubernetesListObject<KubernetesObject>>;
};

const asList = (value: unknown) => value as KubernetesListObject<KubernetesObject>;

function sources(kc: KubeConfig): Source[] {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ours = (kind: WatchedKind, plural: string, clusterScoped = false): Source => ({
    kind,
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    path: (ns) => (ns && !clusterScoped ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${plural}` : `/apis/${API_GROUP}/${API_VERSION}/${plural}`),
    list: async (ns) =>
      asList(
        ns && !clusterScoped
          ? await custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural })
          : await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural }),
      ),
  });
  return [
    ours("Rollout", "rollouts"),
    ours("AnalysisRun", "analysisruns"),
    ours("AnalysisTemplate", "analysistemplates"),
    ours("ClusterAnalysisTemplate", "clusteranalysistemplates", true),
    {
      kind: "ReplicaSet",
      apiVersion: "apps/v1",
      path: (ns) => (ns ? `/apis/apps/v1/namespaces/${ns}/replicasets` : "/apis/apps/v1/replicasets"),
      list: async (ns) => asList(ns ? await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: ROLLOUT_LABEL }) : await apps.listReplicaSetForAllNamespaces({ labelSelector: ROLLOUT_LABEL })),
    },
    {
      kind: "Deployment",
      apiVersion: "apps/v1",
      path: (ns) => (ns ? `/apis/apps/v1/namespaces/${ns}/deployments` : "/apis/apps/v1/deployments"),
      list: async (ns) => asList(ns ? await apps.listNamespacedDeployment({ namespace: ns }) : await apps.listDeploymentForAllNamespaces()),
    },
    {
      kind: "Service",
      apiVersion: "v1",
      path: (ns) => (ns ? `/api/v1/namespaces/${ns}/services` : "/api/v1/services"),
      list: async (ns) => asList(ns ? await core.listNamespacedService({ namespace: ns }) : await core.listServiceForAllNamespaces()),
    },
  ];
}

export type ChangeHandler = (kind: WatchedKind, object: KubeObject, deleted: boolean) => void;

const RECENT_MS = 10_000;

export type ClusterViewOptions = { restart?: RestartPolicy | undefined };

/** Informer-backed ClusterView; `onChange` hears every add/update/delete (to enqueue the rollouts concerned). */
export class InformerClusterView implements ClusterView {
  private readonly informers = new Map<WatchedKind, Informer<KubernetesObject> & ObjectCache<KubernetesObject>>();
  private readonly supervisors: InformerSupervisor[] = [];
  private readonly apiVersions = new Map<WatchedKind, string>();
  /** Checks of waitForOwnWrites callers, run after every cache change. */
  private readonly waiters = new Set<() => void>();
  /**
   * Versions the watches delivered lately, per object: a write's own version may be passed by a newer one (the
   * ReplicaSet controller updating status) before the writer looks, so "shown" is "seen lately", not "cached
   * now". Two generations of at most RECENT_MS each keep it small.
   */
  private recent = { since: 0, current: new Map<string, string[]>(), previous: new Map<string, string[]>() };
  /**
   * The names of each Rollout's ReplicaSets and AnalysisRuns ("namespace/rollout" → names), kept from the watch
   * events, so a reconcile reads its own objects instead of filtering every cached one: at 10,000 Rollouts
   * with their history, listing and filtering all ReplicaSets per reconcile was most of the controller's CPU.
   */
  private readonly owned = { ReplicaSet: new OwnedIndex(), AnalysisRun: new OwnedIndex() };
  /** Other users of the same caches (the analysis runner hears AnalysisRuns from here, not from a watch of its own). */
  private readonly listeners = new Map<WatchedKind, Set<(object: KubeObject, deleted: boolean) => void>>();

  constructor(kc: KubeConfig, namespace: string | undefined, onChange: ChangeHandler, log: Logger, options: ClusterViewOptions = {}) {
    for (const source of sources(kc)) {
      const labelSelector = source.kind === "ReplicaSet" ? ROLLOUT_LABEL : undefined;
      const informer = makeInformer(kc, source.path(namespace), () => source.list(namespace), labelSelector);
      const emit = (obj: KubernetesObject, deleted: boolean) => {
        if (!deleted) trimForCache(source.kind, obj);
        this.noteVersion(source.kind, obj);
        if (source.kind === "ReplicaSet" || source.kind === "AnalysisRun") this.index(source.kind, obj, deleted);
        const normalised = this.normalise(source.kind, obj);
        onChange(source.kind, normalised, deleted);
        for (const listener of this.listeners.get(source.kind) ?? []) listener(normalised, deleted);
        for (const check of [...this.waiters]) check();
      };
      informer.on("add", (obj) => emit(obj, false));
      informer.on("update", (obj) => emit(obj, false));
      informer.on("delete", (obj) => emit(obj, true));
      this.supervisors.push(new InformerSupervisor(informer, { what: `list+watch ${source.kind}`, log, policy: options.restart, context: { kind: source.kind } }));
      this.informers.set(source.kind, informer);
      this.apiVersions.set(source.kind, source.apiVersion);
    }
  }

  /** Resolves once every informer has listed, retrying with backoff while the API server cannot be reached. */
  async start(): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.start()));
  }

  hasSynced(): boolean {
    return this.supervisors.every((s) => s.synced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.stop()));
  }

  private noteVersion(kind: WatchedKind, obj: KubernetesObject): void {
    const rv = obj.metadata?.resourceVersion;
    if (!rv) return;
    const now = Date.now();
    if (now - this.recent.since > RECENT_MS) this.recent = { since: now, current: new Map(), previous: this.recent.current };
    const key = `${kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
    const seen = this.recent.current.get(key) ?? [];
    seen.push(rv);
    this.recent.current.set(key, seen.slice(-8));
  }

  private seenLately(w: OwnWrite): boolean {
    const key = `${w.kind}/${w.namespace}/${w.name}`;
    return [this.recent.current.get(key), this.recent.previous.get(key)].some((seen) => seen?.includes(w.resourceVersion ?? ""));
  }

  waitForOwnWrites(writes: readonly OwnWrite[], timeoutMs: number): Promise<boolean> {
    const shown = () =>
      writes.every((w) => {
        const cached = this.informers.get(w.kind)?.get(w.name, w.namespace);
        if (w.resourceVersion === undefined) return cached === undefined;
        return cached?.metadata?.resourceVersion === w.resourceVersion || this.seenLately(w);
      });
    if (shown()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (shown()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref?.();
      this.waiters.add(check);
    });
  }

  private index(kind: "ReplicaSet" | "AnalysisRun", obj: KubernetesObject, deleted: boolean): void {
    const namespace = obj.metadata?.namespace ?? "";
    const name = obj.metadata?.name ?? "";
    const rollout = obj.metadata?.labels?.[ROLLOUT_LABEL];
    this.owned[kind].set(namespace, name, deleted || rollout === undefined ? undefined : rollout);
  }

  private ownedBy(kind: "ReplicaSet" | "AnalysisRun", namespace: string, rollout: string): KubeObject[] {
    const informer = this.informers.get(kind);
    const out: KubeObject[] = [];
    for (const name of this.owned[kind].names(namespace, rollout)) {
      const found = informer?.get(name, namespace);
      // The cache is the truth; the index only narrows the search (an object it names may be gone already).
      if (found && found.metadata?.labels?.[ROLLOUT_LABEL] === rollout) out.push(this.normalise(kind, found));
    }
    return out;
  }

  private normalise(kind: WatchedKind, obj: KubernetesObject): KubeObject {
    return { ...obj, apiVersion: obj.apiVersion ?? this.apiVersions.get(kind) ?? "", kind: obj.kind ?? kind } as KubeObject;
  }

  private all(kind: WatchedKind, namespace?: string): KubeObject[] {
    return (this.informers.get(kind)?.list(namespace) ?? []).map((o) => this.normalise(kind, o));
  }

  private one(kind: WatchedKind, name: string, namespace?: string): KubeObject | undefined {
    const found = this.informers.get(kind)?.get(name, namespace);
    return found ? this.normalise(kind, found) : undefined;
  }

  /** Hear every change of one kind from now on; returns the unsubscribe. */
  subscribe(kind: WatchedKind, listener: (object: KubeObject, deleted: boolean) => void): () => void {
    const set = this.listeners.get(kind) ?? new Set();
    set.add(listener);
    this.listeners.set(kind, set);
    return () => void set.delete(listener);
  }

  /** Every cached object of one kind. */
  cached(kind: WatchedKind): KubeObject[] {
    return this.all(kind);
  }

  rollouts(): KubeObject[] {
    return this.all("Rollout");
  }
  rollout(namespace: string, name: string): KubeObject | undefined {
    return this.one("Rollout", name, namespace);
  }
  replicaSets(namespace: string, rollout: string): KubeObject[] {
    return this.ownedBy("ReplicaSet", namespace, rollout);
  }
  analysisRuns(namespace: string, rollout: string): KubeObject[] {
    return this.ownedBy("AnalysisRun", namespace, rollout);
  }
  service(namespace: string, name: string): KubeObject | undefined {
    return this.one("Service", name, namespace);
  }
  analysisTemplate(namespace: string, name: string): KubeObject | undefined {
    return this.one("AnalysisTemplate", name, namespace);
  }
  clusterAnalysisTemplate(name: string): KubeObject | undefined {
    return this.one("ClusterAnalysisTemplate", name);
  }
  deployment(namespace: string, name: string): KubeObject | undefined {
    return this.one("Deployment", name, namespace);
  }
}

/** Object names by owning Rollout, and each object's owner, so a relabelled or deleted object leaves its old entry. */
export class OwnedIndex {
  private readonly byRollout = new Map<string, Set<string>>();
  private readonly ownerOf = new Map<string, string>();

  set(namespace: string, name: string, rollout: string | undefined): void {
    const objectKey = `${namespace}/${name}`;
    const before = this.ownerOf.get(objectKey);
    if (before === rollout) return;
    if (before !== undefined) {
      const names = this.byRollout.get(`${namespace}/${before}`);
      names?.delete(name);
      if (names?.size === 0) this.byRollout.delete(`${namespace}/${before}`);
      this.ownerOf.delete(objectKey);
    }
    if (rollout === undefined) return;
    this.ownerOf.set(objectKey, rollout);
    const key = `${namespace}/${rollout}`;
    const names = this.byRollout.get(key) ?? new Set<string>();
    names.add(name);
    this.byRollout.set(key, names);
  }

  names(namespace: string, rollout: string): readonly string[] {
    return [...(this.byRollout.get(`${namespace}/${rollout}`) ?? [])];
  }
}
