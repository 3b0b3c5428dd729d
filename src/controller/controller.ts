/**
 * `sluice controller`, the path of one event top to bottom:
 *   watch → cache (cluster-view.ts) → the Rollouts it concerns (affected-rollouts.ts) → queue (work-queue.ts)
 *   → a worker (reconcile-workers.ts), if this process holds the Rollout's shard (leadership.ts)
 *   → reconcile (reconcile.ts: observe, decide, execute) → writes fenced by the shard's term.
 * Beside it: the AnalysisRuns of the shards held are measured here (analysis-lifecycle.ts), and /metrics,
 * /healthz and /readyz tell the outside how it goes (http-servers.ts).
 *
 * Lifecycle: the health server comes up first, so an API server that cannot be reached yet means "alive, not
 * ready" while the informers retry their lists with backoff, not a crash loop. Reconciling (and campaigning for
 * the Leases) starts once every cache has synced: a missing ReplicaSet in a half-synced cache would read as
 * "create it".
 */
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Rollout } from "../api/rollout.ts";
import { HttpKube } from "../kube/http-kube.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { withSharedConnections } from "../kube/shared-connections.ts";
import type { TrafficRouter } from "../routers/types.ts";
import { affectedRollouts, rolloutKey } from "./affected-rollouts.ts";
import { AnalysisLifecycle } from "./analysis-lifecycle.ts";
import { InformerClusterView } from "./cluster-view.ts";
import { startServers, type ServerAddresses } from "./http-servers.ts";
import { Leadership, type ShardConfig } from "./leadership.ts";
import { createMetrics, type ControllerMetrics } from "./metrics.ts";
import { ReconcileWorkers } from "./reconcile-workers.ts";
import { snapshotOf } from "./rollout-samples.ts";
import { WorkQueue } from "./work-queue.ts";
import { Notifier, type NotifierOptions } from "./notifications/notifier.ts";

export type ControllerOptions = {
  kc: KubeConfig;
  /** Watch one namespace; undefined = all. */
  namespace?: string | undefined;
  workers?: number;
  leaderElection?: { namespace: string; name?: string; identity?: string; leaseDurationSeconds?: number; renewDeadlineSeconds?: number; retryPeriodSeconds?: number } | undefined;
  /** Split the Rollouts among replicas by a hash of namespace/name (default: one shard, all of them). */
  shards?: ShardConfig | undefined;
  /** host:port for /metrics, /healthz and /readyz (one server when both are the same). */
  metricsAddr?: string | undefined;
  healthAddr?: string | undefined;
  log: Logger;
  /** Run AnalysisRuns in this process (default on); `prometheusAddress` serves metrics that name no address. */
  analysis?: { prometheusAddress?: string | undefined } | false;
  /** The router for a Rollout, given the controller's own client (so its requests are counted and retried alike) and logger. */
  routerFor?: (rollout: Rollout, kube: KubeClient, options: { log: Logger }) => TrafficRouter | undefined;
  now?: () => Date;
  /**
   * Rollout notifications (default on; they cost nothing until a Rollout carries the subscribe annotation).
   * `controllerNamespace`: its sluice-notifications ConfigMap serves every namespace.
   */
  notifications?: { controllerNamespace?: string | undefined; policy?: NotifierOptions["policy"]; queueLimit?: number | undefined } | false;
};

export type RunningController = {
  metrics: ControllerMetrics;
  /** Holds at least one shard (with one shard: is the leader). */
  isLeader(): boolean;
  /** The shards this process may write now. */
  heldShards(): number[];
  isReady(): boolean;
  /** True once the caches have synced and reconciling has begun (however long the API server was away); false if stopped first. */
  synced: Promise<boolean>;
  /** Addresses actually bound (port 0 resolved). */
  addresses: ServerAddresses;
  stop(): Promise<void>;
};

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const log = options.log;
  const metrics = createMetrics();
  // Every request and watch through one connection pool (see shared-connections.ts for what it saves).
  const kc = withSharedConnections(options.kc);
  const kube = new HttpKube(kc, (verb, kind, code) => metrics.apiRequests.inc({ verb, kind, code: String(code) }));
  const queue = new WorkQueue();
  const now = options.now ?? (() => new Date());
  let stopping = false;

  // watch → cache → queue.
  const view: InformerClusterView = new InformerClusterView(
    kc,
    options.namespace,
    (kind, obj, deleted) => {
      // A deleted Rollout leaves no counter series behind (a platform creating and deleting Rollouts would grow
      // them forever); its gauges are read from the cache, which no longer has it.
      if (kind === "Rollout" && deleted) metrics.forgetRollout(obj.metadata.namespace ?? "default", obj.metadata.name);
      // A change to the Rollout itself is a person's doing (see work-queue.ts): it does not wait out a backoff.
      for (const key of affectedRollouts(kind, obj, () => view.rollouts())) (kind === "Rollout" ? queue.addNow(key) : queue.add(key));
      metrics.queueDepth.set(queue.depth);
    },
    log,
  );

  // Who may write which Rollouts; gaining a shard queues its Rollouts, losing one fences its writes.
  const shards: ShardConfig = options.shards ?? { count: 1 };
  let analysis: AnalysisLifecycle | undefined;
  const leadership = new Leadership({
    kube,
    log,
    shards,
    leaderElection: options.leaderElection && { ...options.leaderElection, identity: options.leaderElection.identity ?? `${hostname()}-${process.pid}` },
    onGained: (shard) => {
      if (stopping) return;
      metrics.isLeader.set(1);
      metrics.shardsHeld.set(leadership.held().length);
      analysis?.shardGained();
      for (const r of view.rollouts()) if (leadership.shardOfKey(rolloutKey(r)) === shard) queue.add(rolloutKey(r));
    },
    onLost: () => {
      const held = leadership.held().length;
      metrics.isLeader.set(held > 0 ? 1 : 0);
      metrics.shardsHeld.set(held);
      analysis?.shardLost();
    },
  });
  // Counted when /metrics is scraped, not after every reconcile (that was a pass over every Rollout per reconcile).
  metrics.onCollectRollouts(() => {
    const held = new Set(leadership.held());
    return snapshotOf(view.rollouts(), (r) => held.has(leadership.shardOfKey(rolloutKey(r))));
  });
  if (options.analysis !== false) {
    analysis = new AnalysisLifecycle({ kc, kube, view, leadership, namespace: options.namespace, log, prometheusAddress: options.analysis?.prometheusAddress, now: options.now, metrics: metrics.analysis });
  }

  // Reads only (ConfigMaps, Secrets), so the unfenced client: a notification is never an API write.
  const notifier = options.notifications === false ? undefined : new Notifier({ kube, log, metrics: metrics.notifications, ...options.notifications });

  // queue → workers → reconcile → fenced writes.
  const workers = new ReconcileWorkers({ queue, kube, view, leadership, metrics, log, now, routerFor: options.routerFor, notifier });

  const servers = await startServers({ metricsAddr: options.metricsAddr, healthAddr: options.healthAddr, registry: metrics.registry, state: { synced: () => view.hasSynced() } });
  const workerCount = Math.max(1, options.workers ?? 2);
  log.info({ namespace: options.namespace ?? "(all)", workers: workerCount, leaderElection: options.leaderElection !== undefined, shards: shards.count, shardIndex: shards.index, ...servers.addresses }, "controller started");

  // view.start() keeps retrying with backoff while the API server cannot be reached.
  const synced = view.start().then(() => {
    if (stopping) return false;
    log.info("caches synced; reconciling");
    workers.start(workerCount);
    leadership.start();
    return true;
  });

  return {
    metrics,
    addresses: servers.addresses,
    isLeader: () => leadership.held().length > 0,
    heldShards: () => leadership.held(),
    isReady: () => view.hasSynced(),
    synced,
    async stop() {
      // End the terms first: a reconcile in flight finishes the write it is sending and sends no other, so
      // the Leases can be given up at once without two writers. Then release the Leases for a standby.
      stopping = true;
      queue.shutDown();
      leadership.endAll("shutting down");
      await workers.drained();
      await notifier?.close();
      await analysis?.close();
      await leadership.stop();
      await view.stop();
      await servers.close();
      log.info("controller stopped");
    },
  };
}
