/**
 * One reconcile of one Rollout: read it fresh, observe, decide (pure; decideThrough), execute, write status (a plan
 * that acts on a step it records for the first time: its Events, status, then its other actions). Level-triggered:
 * it never acts on a watch event's payload, only on what it reads now, so it can run any number of times.
 */
import type { Logger } from "pino";
import { API_GROUP_VERSION } from "../api/group.ts";
import { parseSluiceObject } from "../api/objects.ts";
import { resolveWorkload } from "./workload-ref.ts";
import { rolloutStatusSchema, type Rollout, type RolloutStatus } from "../api/rollout.ts";
import { decideThrough } from "../core/decide-through.ts";
import { invalidSpecStatus } from "../core/invalid-spec.ts";
import { canonicalJson } from "../core/pod-template-hash.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { KubeClient, KubeObject } from "../kube/kube-client.ts";
import type { TrafficRouter } from "../routers/types.ts";
import type { ClusterView } from "./cluster-view.ts";
import { execute } from "./execute.ts";
import { observe } from "./observe.ts";
import { recordingKube, type OwnWrite } from "./own-writes.ts";
import type { Action } from "../core/plan.ts";

export type ReconcileDeps = {
  kube: KubeClient;
  view: ClusterView;
  events: EventRecorder;
  routerFor: (rollout: Rollout) => TrafficRouter | undefined;
  log: Logger;
  now: () => Date;
  /** Called with each status written (metrics). */
  onStatus?: (rollout: Rollout, previous: RolloutStatus | undefined) => void;
  /**
   * The resourceVersion each Rollout had after this process last wrote it ("namespace/name" → version), kept
   * across reconciles by the caller: a reconcile reads its Rollout from the cache once the cache shows that
   * version, and from the API server otherwise.
   */
  rolloutWrites?: Map<string, string>;
  /**
   * Called once the status write succeeded, with the plan's actions and the status before and after
   * (notifications/events.ts says why then). Must return at once: delivery happens elsewhere.
   */
  onWritten?: (rollout: Rollout, actions: readonly Action[], previous: RolloutStatus | undefined, status: RolloutStatus) => void;
};

export type ReconcileResult = { requeueAfterMs?: number | undefined };

/** The Rollout written, or undefined when its status was already this. */
async function writeStatus(kube: KubeClient, raw: KubeObject, status: RolloutStatus): Promise<KubeObject | undefined> {
  const before = rolloutStatusSchema.safeParse(raw.status ?? {});
  const unchanged = canonicalJson(before.success ? before.data : raw.status ?? {}) === canonicalJson(status);
  if (unchanged) return undefined;
  // Replace, not merge: fields decide() cleared must go. The resourceVersion makes it conditional, so a user's
  // promote or abort written meanwhile is never overwritten (409, then a fresh reconcile sees it).
  return kube.replaceStatus({ ...raw, status: JSON.parse(JSON.stringify(status)) as unknown }, "rollouts");
}

/** How long a reconcile waits for the cache to show its own last write of the Rollout before reading it fresh. */
const ROLLOUT_CACHE_WAIT_MS = 1_000;

/**
 * The Rollout to reconcile. From the cache when it shows at least this process's last write of it (a GET per
 * reconcile was a third of the controller's requests); fresh from the API server when the cache lags. A cache
 * behind someone else's write is safe too: the status write is conditional on the version read (409, retry).
 */
async function readRollout(key: string, namespace: string, name: string, deps: ReconcileDeps): Promise<KubeObject | undefined> {
  const { view, rolloutWrites } = deps;
  // Not cached (just created, or deleted): ask the API server.
  if (view.rollout && view.waitForOwnWrites && rolloutWrites && view.rollout(namespace, name)) {
    const expected = rolloutWrites.get(key);
    const shown = expected === undefined || (await view.waitForOwnWrites([{ kind: "Rollout", namespace, name, resourceVersion: expected }], ROLLOUT_CACHE_WAIT_MS));
    const cached = shown ? view.rollout(namespace, name) : undefined;
    if (cached) {
      rolloutWrites.delete(key);
      // A copy: the cache's object is shared, and the finalizer step updates the resourceVersion it holds.
      return { ...cached, metadata: { ...cached.metadata } };
    }
  }
  const fresh = await deps.kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace, name });
  if (!fresh) rolloutWrites?.delete(key);
  return fresh;
}

/**
 * While a Rollout routes traffic it carries a finalizer, so deleting it first puts 100% back on stable and
 * removes the routes sluice added (objects sluice created go with owner references).
 */
export const ROUTING_FINALIZER = "sluice.dev/traffic-routing";

const finalizersOf = (raw: KubeObject): string[] => (Array.isArray(raw.metadata.finalizers) ? (raw.metadata.finalizers as string[]) : []);
const hasRoutingFinalizer = (raw: KubeObject) => finalizersOf(raw).includes(ROUTING_FINALIZER);

/** True when the Rollout is being deleted (nothing else to do for it). */
async function keepRoutingFinalizer(raw: KubeObject, rollout: Rollout, router: TrafficRouter | undefined, deps: ReconcileDeps): Promise<boolean> {
  const ref = { apiVersion: raw.apiVersion, kind: raw.kind, namespace: raw.metadata.namespace ?? "default", name: raw.metadata.name };
  const finalizers = finalizersOf(raw);
  if (raw.metadata.deletionTimestamp) {
    if (!finalizers.includes(ROUTING_FINALIZER)) return true;
    const problem = router ? await router.reset(rollout, { stablePodHash: rollout.status?.stableRS, canaryPodHash: rollout.status?.stableRS }) : undefined;
    if (problem && problem.code !== "ObjectNotFound") throw new Error(`cannot restore traffic before deletion: ${problem.message}`);
    await deps.kube.mergePatch(ref, { metadata: { resourceVersion: raw.metadata.resourceVersion, finalizers: finalizers.filter((f) => f !== ROUTING_FINALIZER) } });
    return true;
  }
  if (router && !finalizers.includes(ROUTING_FINALIZER)) {
    const updated = await deps.kube.mergePatch(ref, { metadata: { resourceVersion: raw.metadata.resourceVersion, finalizers: [...finalizers, ROUTING_FINALIZER] } });
    raw.metadata.resourceVersion = updated.metadata.resourceVersion;
  }
  return false;
}

export async function reconcile(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const [namespace = "default", name = ""] = key.split("/");
  const raw = await readRollout(key, namespace, name, deps);
  if (!raw) return {}; // deleted; owned objects go with it (owner references)
  const remember = (written: KubeObject | undefined) => {
    const version = written?.metadata.resourceVersion;
    if (typeof version === "string") deps.rolloutWrites?.set(key, version);
  };
  const log = deps.log.child({ rollout: key });
  const now = deps.now();
  const parsed = parseSluiceObject(raw);
  if (parsed.status !== "valid" || parsed.object.kind !== "Rollout") {
    const errors = parsed.status === "invalid" ? parsed.errors : [{ path: "kind", message: "must be Rollout" }];
    const previous = rolloutStatusSchema.safeParse(raw.status ?? {});
    const { status, event } = invalidSpecStatus(previous.success ? previous.data : {}, errors, raw.metadata.generation as number | undefined, now);
    if (event) {
      log.warn({ errors }, "invalid spec");
      await deps.events.record({ apiVersion: raw.apiVersion, kind: raw.kind, namespace, name, uid: raw.metadata.uid }, event.type, event.reason, event.message, now).catch(() => undefined);
    }
    remember(await writeStatus(deps.kube, raw, status));
    return {};
  }
  // spec.workloadRef: the Deployment's pod template, copied in (workload-ref.ts).
  const resolved = resolveWorkload(parsed.object.value, deps.view);
  const rollout = resolved.rollout;
  const router = deps.routerFor(rollout);
  if (router || hasRoutingFinalizer(raw)) {
    const finished = await keepRoutingFinalizer(raw, rollout, router, deps);
    if (finished) return {};
    remember(raw); // the finalizer write, if there was one
  }
  const observed = await observe(rollout, deps.view, router);
  observed.workload = resolved.workload;
  if (resolved.problem) observed.missingReferences.push(resolved.problem);
  const plan = decideThrough(rollout, observed, now);
  if (plan.actions.length > 0) log.debug({ actions: plan.actions.map((a) => a.kind) }, "executing plan");
  if (plan.deferred) log.debug({ deferred: plan.deferred.map((a) => a.kind) }, "actions deferred until the earlier ones are read back");
  const carryOut = async (actions: Action[]): Promise<void> => {
    if (actions.length === 0) return;
    const writes: OwnWrite[] = [];
    try {
      await execute(rollout, { ...plan, actions }, { kube: recordingKube(deps.kube, writes), view: deps.view, router, events: deps.events });
    } finally {
      // Whether the plan ran whole or stopped part-way, the next reconcile must see what it did write.
      if (writes.length > 0 && deps.view.waitForOwnWrites && !(await deps.view.waitForOwnWrites(writes, OWN_WRITES_TIMEOUT_MS))) {
        log.debug({ writes: writes.map((w) => `${w.kind} ${w.name}`) }, "caches did not show this reconcile's writes in time; going on (scale-downs are conditional)");
      }
    }
  };
  // A plan that acts on a step it records for the first time stores that record before acting, after its
  // Events (Plan.statusFirst); any other plan acts first and records what it did.
  const statusFirst = plan.statusFirst === true;
  await carryOut(statusFirst ? plan.actions.filter((a) => a.kind === "Event") : plan.actions);
  const wrote = await writeStatus(deps.kube, raw, plan.status);
  remember(wrote);
  if (wrote) {
    log.info({ phase: plan.status.phase, step: plan.status.currentStepIndex, message: plan.status.message }, "status");
    deps.onStatus?.({ ...rollout, status: plan.status }, rollout.status);
    deps.onWritten?.(rollout, plan.actions, rollout.status, plan.status);
  }
  if (statusFirst) await carryOut(plan.actions.filter((a) => a.kind !== "Event"));
  // Nothing watches the router's object: while a rollout is under way, read it back now and then, so a hand
  // edit (or a write the router lost) is seen without waiting for some other change.
  const recheck = router && plan.status.phase !== "Healthy" ? ROUTER_RECHECK_MS : undefined;
  const requeueAfterMs = [plan.requeueAfterMs, recheck].filter((ms): ms is number => ms !== undefined);
  return { requeueAfterMs: requeueAfterMs.length > 0 ? Math.min(...requeueAfterMs) : undefined };
}

const ROUTER_RECHECK_MS = 30_000;

const OWN_WRITES_TIMEOUT_MS = 5_000;
