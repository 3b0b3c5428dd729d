/**
 * `sluice controller`: informers feed a de-duplicating queue; workers reconcile one Rollout at a time each;
 * only the leader reconciles; /metrics, /healthz and /readyz tell the outside how it goes.
 *
 * Lifecycle: the health server comes up first, so an API server that cannot be reached yet means "alive, not
 * ready" while the informers retry their lists with backoff, not a crash loop. Reconciling (and campaigning for
 * the Lease) starts once every cache has synced. Each term of leadership has an AbortSignal that every write
 * checks (FencedKube): losing the Lease or shutting down ends the term, so a reconcile in flight finishes the
 * write it is sending and sends no other.
 */
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Rollout } from "../api/rollout.ts";
import { EventRecorder } from "../kube/events.ts";
import { FencedError, FencedKube, type WriteGuard } from "../kube/fenced-kube.ts";
import { ClientNodeKube, ConflictError, type KubeClient, type KubeObject } from "../kube/kube-client.ts";
import { LeaderElector } from "../kube/leader-election.ts";
import type { TrafficRouter } from "../routers/types.ts";
import { InformerClusterView, type WatchedKind } from "./cluster-view.ts";
import { ROLLOUT_LABEL } from "./labels.ts";
import { startAnalysisRunner, type AnalysisRunner } from "../analysis/runner.ts";
import { createMetrics, type ControllerMetrics } from "./metrics.ts";
import { reconcile, type ReconcileDeps } from "./reconcile.ts";
import { WorkQueue } from "./work-queue.ts";
import { logRetry } from "../util/retry-log.ts";
import { withSharedConnections } from "../kube/shared-connections.ts";

export type ControllerOptions = {
  kc: KubeConfig;
  /** Watch one namespace; undefined = all. */
  namespace?: string | undefined;
  workers?: number;
  leaderElection?: { namespace: string; name?: string; identity?: string; leaseDurationSeconds?: number; renewDeadlineSeconds?: number; retryPeriodSeconds?: number } | undefined;
  /** host:port for /metrics, /healthz and /readyz (one server when both are the same). */
  metricsAddr?: string | undefined;
  healthAddr?: string | undefined;
  log: Logger;
  /** Run AnalysisRuns in this process (default on); `prometheusAddress` serves metrics that name no address. */
  analysis?: { prometheusAddress?: string | undefined } | false;
  /** The router for a Rollout, given the controller's own client (so its requests are counted and retried alike) and logger. */
  routerFor?: (rollout: Rollout, kube: KubeClient, options: { log: Logger }) => TrafficRouter | undefined;
  now?: () => Date;
};

export type RunningController = {
  metrics: ControllerMetrics;
  isLeader(): boolean;
  isReady(): boolean;
  /** True once the caches have synced and reconciling has begun (however long the API server was away); false if stopped first. */
  synced: Promise<boolean>;
  /** Addresses actually bound (port 0 resolved). */
  addresses: { metrics?: string | undefined; health?: string | undefined };
  stop(): Promise<void>;
};

const keyOf = (obj: KubeObject) => `${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;

/** Rollouts that a change to `obj` can concern. */
/** `rollouts` is only called for Services and templates: ReplicaSets and AnalysisRuns name their Rollout (a label). */
function affectedRollouts(kind: WatchedKind, obj: KubeObject, rollouts: () => KubeObject[]): string[] {
  if (kind === "Rollout") return [keyOf(obj)];
  const owner = obj.metadata.labels?.[ROLLOUT_LABEL];
  if (kind === "ReplicaSet" || kind === "AnalysisRun") return owner ? [`${obj.metadata.namespace}/${owner}`] : [];
  const sameNamespace = (r: KubeObject) => kind === "ClusterAnalysisTemplate" || r.metadata.namespace === obj.metadata.namespace;
  return rollouts().filter(sameNamespace).filter((r) => JSON.stringify(r.spec ?? {}).includes(`"${obj.metadata.name}"`)).map(keyOf);
}

async function listen(addr: string, handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; address: string }> {
  const [host = "127.0.0.1", port = "0"] = addr.includes(":") ? [addr.slice(0, addr.lastIndexOf(":")), addr.slice(addr.lastIndexOf(":") + 1)] : ["127.0.0.1", addr];
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), host || "0.0.0.0", resolve);
  });
  const bound = server.address();
  return { server, address: typeof bound === "object" && bound ? `${host || "0.0.0.0"}:${bound.port}` : addr };
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const log = options.log;
  const metrics = createMetrics();
  // Every request and watch through one connection pool (see shared-connections.ts for what it saves).
  const kc = withSharedConnections(options.kc);
  const kube = new ClientNodeKube(kc, (verb, kind, code) => metrics.apiRequests.inc({ verb, kind, code: String(code) }));
  const queue = new WorkQueue();
  const now = options.now ?? (() => new Date());
  let stopping = false;

  const view: InformerClusterView = new InformerClusterView(
    kc,
    options.namespace,
    (kind, obj, deleted) => {
      // A deleted Rollout leaves no series behind (a platform creating and deleting Rollouts would grow them forever).
      if (kind === "Rollout" && deleted) metrics.forgetRollout(obj.metadata.namespace ?? "default", obj.metadata.name);
      // A change to the Rollout itself is a person's doing (see work-queue.ts): it does not wait out a backoff.
      for (const key of affectedRollouts(kind, obj, () => view.rollouts())) (kind === "Rollout" ? queue.addNow(key) : queue.add(key));
      metrics.queueDepth.set(queue.depth);
    },
    log,
  );

  // Counted when /metrics is scraped, not after every reconcile (that was a pass over every Rollout per reconcile).
  metrics.onCollectPhases(() => {
    const counts = new Map<string, number>();
    for (const r of view.rollouts()) {
      const phase = String((r.status as { phase?: unknown } | undefined)?.phase ?? "Unknown");
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    return counts;
  });

  // The current term of leadership. Without leader election there is one term, for the whole run; with it
  // there is none until the Lease is ours. Aborting ends the term: every write of that term is refused.
  let term = new AbortController();
  let elector: LeaderElector | undefined;
  if (options.leaderElection) term.abort("not the leader");
  const endTerm = (reason: string) => term.abort(reason);
  const guardFor = (signal: AbortSignal): WriteGuard => () => {
    if (signal.aborted) return String(signal.reason);
    // The elector's own clock check: the deadline may have passed before its timer ran.
    if (elector && !elector.isLeader) return "the Lease was not renewed within the renew deadline";
    return undefined;
  };
  const mayWrite = () => guardFor(term.signal)() === undefined;

  /** What one reconcile writes with: a client (and the Events and router built on it) fenced by the current term. */
  const depsForTerm = (signal: AbortSignal): ReconcileDeps => {
    const fenced = new FencedKube(kube, guardFor(signal));
    return {
      kube: fenced,
      view,
      events: new EventRecorder(fenced),
      routerFor: (rollout: Rollout) => options.routerFor?.(rollout, fenced, { log }),
      log,
      now,
      onStatus: (rollout: Rollout, previous: Rollout["status"]) => {
        const labels = { namespace: rollout.metadata.namespace ?? "default", rollout: rollout.metadata.name ?? "" };
        const weight = rollout.status?.canary?.weights?.canary;
        if (weight !== undefined) metrics.canaryWeight.set(labels, weight);
        if (previous?.currentStepIndex !== rollout.status?.currentStepIndex) metrics.stepTransitions.inc(labels);
      },
    };
  };

  const inFlight = new Set<Promise<void>>();
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      metrics.queueDepth.set(queue.depth);
      if (!mayWrite()) {
        queue.done(key);
        continue;
      }
      const end = metrics.reconcileDuration.startTimer();
      const deps = depsForTerm(term.signal);
      const work = (async () => {
        try {
          const result = await reconcile(key, deps);
          queue.forget(key);
          if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
          end({ result: "ok" });
        } catch (error) {
          if (error instanceof FencedError) {
            // The term ended mid-reconcile: nothing to retry here; the next leader reconciles from scratch.
            end({ result: "fenced" });
            log.info({ rollout: key, reason: error.reason, err: error.message }, "reconcile stopped before its next write");
            return;
          }
          const delay = queue.addRateLimited(key);
          end({ result: error instanceof ConflictError ? "conflict" : "error" });
          logRetry(log, { what: "reconcile", attempt: queue.failuresOf(key), delayMs: delay, error, rollout: key }, error instanceof ConflictError ? "debug" : "warn");
        } finally {
          queue.done(key);
        }
      })();
      inFlight.add(work);
      await work;
      inFlight.delete(work);
    }
  };

  // AnalysisRuns are measured by the leader only, like every other write, fenced by the same term.
  let analysisRunner: Promise<AnalysisRunner> | undefined;
  const startAnalysis = () => {
    if (options.analysis === false || analysisRunner || stopping) return;
    analysisRunner = startAnalysisRunner({
      kc,
      kube: new FencedKube(kube, guardFor(term.signal)),
      // The controller's own AnalysisRun cache: one list+watch and one copy of each run in the leader.
      events: { subscribe: (listener) => view.subscribe("AnalysisRun", listener), current: () => view.cached("AnalysisRun") },
      namespace: options.namespace,
      log,
      prometheusAddress: options.analysis?.prometheusAddress,
      ...(options.now ? { now: options.now } : {}),
    });
  };
  const stopAnalysis = async () => {
    const running = analysisRunner;
    analysisRunner = undefined;
    if (running) await (await running).stop();
  };

  const enqueueAll = () => {
    for (const r of view.rollouts()) queue.add(keyOf(r));
  };

  if (options.leaderElection) {
    const le = options.leaderElection;
    elector = new LeaderElector(kube, {
      namespace: le.namespace,
      name: le.name ?? "sluice-controller",
      identity: le.identity ?? `${hostname()}-${process.pid}`,
      ...(le.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: le.leaseDurationSeconds } : {}),
      ...(le.renewDeadlineSeconds !== undefined ? { renewDeadlineSeconds: le.renewDeadlineSeconds } : {}),
      ...(le.retryPeriodSeconds !== undefined ? { retryPeriodSeconds: le.retryPeriodSeconds } : {}),
      log,
      onStartedLeading: () => {
        if (stopping) return;
        term = new AbortController();
        metrics.isLeader.set(1);
        startAnalysis();
        enqueueAll();
      },
      onStoppedLeading: () => {
        endTerm("lost the Lease");
        metrics.isLeader.set(0);
        void stopAnalysis();
      },
    });
  }

  const servers: Server[] = [];
  const addresses: RunningController["addresses"] = {};
  const health = (path: string | undefined): { code: number; body: string } | undefined => {
    if (path === "/healthz") return { code: 200, body: "ok\n" };
    // Ready once the caches are synced; standbys are ready too (they only wait for the Lease).
    if (path === "/readyz") return view.hasSynced() ? { code: 200, body: "ok\n" } : { code: 503, body: "caches not synced\n" };
    return undefined;
  };
  const handler = (serveMetrics: boolean, serveHealth: boolean): Parameters<typeof createServer>[1] => (req, res) => {
    const path = req.url?.split("?")[0];
    const h = serveHealth ? health(path) : undefined;
    if (h) {
      res.writeHead(h.code, { "content-type": "text/plain" }).end(h.body);
      return;
    }
    if (serveMetrics && path === "/metrics") {
      void metrics.registry.metrics().then((text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  };
  if (options.metricsAddr && options.metricsAddr === options.healthAddr) {
    const { server, address } = await listen(options.metricsAddr, handler(true, true));
    servers.push(server);
    addresses.metrics = addresses.health = address;
  } else {
    if (options.metricsAddr) {
      const { server, address } = await listen(options.metricsAddr, handler(true, false));
      servers.push(server);
      addresses.metrics = address;
    }
    if (options.healthAddr) {
      const { server, address } = await listen(options.healthAddr, handler(false, true));
      servers.push(server);
      addresses.health = address;
    }
  }
  const workerCount = Math.max(1, options.workers ?? 2);
  log.info({ namespace: options.namespace ?? "(all)", workers: workerCount, leaderElection: options.leaderElection !== undefined, ...addresses }, "controller started");

  // Reconcile (and campaign) only on complete caches: a missing ReplicaSet in a half-synced cache would
  // read as "create it". view.start() keeps retrying with backoff while the API server cannot be reached.
  const workers: Promise<void>[] = [];
  const synced = view.start().then(() => {
    if (stopping) return false;
    log.info("caches synced; reconciling");
    for (let i = 0; i < workerCount; i++) workers.push(worker());
    if (elector) elector.start();
    else {
      metrics.isLeader.set(1);
      startAnalysis();
    }
    enqueueAll();
    return true;
  });

  return {
    metrics,
    addresses,
    isLeader: () => mayWrite(),
    isReady: () => view.hasSynced(),
    synced,
    async stop() {
      // End the term first: a reconcile in flight finishes the write it is sending and sends no other, so
      // the Lease can be given up at once without two writers. Then release the Lease for a standby.
      stopping = true;
      queue.shutDown();
      endTerm("shutting down");
      await Promise.all([...inFlight]);
      await Promise.all(workers);
      await stopAnalysis();
      await elector?.stop();
      await view.stop();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      log.info("controller stopped");
    },
  };
}
