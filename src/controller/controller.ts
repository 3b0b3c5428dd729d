/**
 * `sluice controller`: informers feed a de-duplicating queue; workers reconcile one Rollout at a time each;
 * only the leader reconciles; /metrics, /healthz and /readyz tell the outside how it goes.
 */
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Rollout } from "../api/rollout.ts";
import { EventRecorder } from "../kube/events.ts";
import { ClientNodeKube, ConflictError, type KubeClient, type KubeObject } from "../kube/kube-client.ts";
import { LeaderElector } from "../kube/leader-election.ts";
import type { TrafficRouter } from "../routers/types.ts";
import { InformerClusterView, type WatchedKind } from "./cluster-view.ts";
import { ROLLOUT_LABEL } from "./labels.ts";
import { startAnalysisRunner, type AnalysisRunner } from "../analysis/runner.ts";
import { createMetrics, type ControllerMetrics } from "./metrics.ts";
import { reconcile } from "./reconcile.ts";
import { WorkQueue } from "./work-queue.ts";

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
  /** Addresses actually bound (port 0 resolved). */
  addresses: { metrics?: string | undefined; health?: string | undefined };
  stop(): Promise<void>;
};

const keyOf = (obj: KubeObject) => `${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;

/** Rollouts that a change to `obj` can concern. */
function affectedRollouts(kind: WatchedKind, obj: KubeObject, rollouts: KubeObject[]): string[] {
  if (kind === "Rollout") return [keyOf(obj)];
  const owner = obj.metadata.labels?.[ROLLOUT_LABEL];
  if (kind === "ReplicaSet" || kind === "AnalysisRun") return owner ? [`${obj.metadata.namespace}/${owner}`] : [];
  const sameNamespace = (r: KubeObject) => kind === "ClusterAnalysisTemplate" || r.metadata.namespace === obj.metadata.namespace;
  return rollouts.filter(sameNamespace).filter((r) => JSON.stringify(r.spec ?? {}).includes(`"${obj.metadata.name}"`)).map(keyOf);
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
  const kube = new ClientNodeKube(options.kc, (verb, kind, code) => metrics.apiRequests.inc({ verb, kind, code: String(code) }));
  const events = new EventRecorder(kube);
  const queue = new WorkQueue();
  const now = options.now ?? (() => new Date());
  let leading = options.leaderElection === undefined;

  const view: InformerClusterView = new InformerClusterView(
    options.kc,
    options.namespace,
    (kind, obj) => {
      for (const key of affectedRollouts(kind, obj, view.rollouts())) queue.add(key);
      metrics.queueDepth.set(queue.depth);
    },
    log,
  );

  const refreshPhaseGauge = () => {
    const counts = new Map<string, number>();
    for (const r of view.rollouts()) {
      const phase = String((r.status as { phase?: unknown } | undefined)?.phase ?? "Unknown");
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    metrics.rolloutsByPhase.reset();
    for (const [phase, n] of counts) metrics.rolloutsByPhase.set({ phase }, n);
  };

  const deps = {
    kube,
    view,
    events,
    routerFor: (rollout: Rollout) => options.routerFor?.(rollout, kube, { log }),
    log,
    now,
    onStatus: (rollout: Rollout, previous: Rollout["status"]) => {
      const labels = { namespace: rollout.metadata.namespace ?? "default", rollout: rollout.metadata.name ?? "" };
      const weight = rollout.status?.canary?.weights?.canary;
      if (weight !== undefined) metrics.canaryWeight.set(labels, weight);
      if (previous?.currentStepIndex !== rollout.status?.currentStepIndex) metrics.stepTransitions.inc(labels);
    },
  };

  const inFlight = new Set<Promise<void>>();
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      metrics.queueDepth.set(queue.depth);
      if (!leading) {
        queue.done(key);
        continue;
      }
      const end = metrics.reconcileDuration.startTimer();
      const work = (async () => {
        try {
          const result = await reconcile(key, deps);
          queue.forget(key);
          if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
          end({ result: "ok" });
        } catch (error) {
          const delay = queue.addRateLimited(key);
          end({ result: error instanceof ConflictError ? "conflict" : "error" });
          const level = error instanceof ConflictError ? "debug" : "warn";
          log[level]({ rollout: key, err: error instanceof Error ? error.message : String(error), retryInMs: delay }, "reconcile failed");
        } finally {
          queue.done(key);
          refreshPhaseGauge();
        }
      })();
      inFlight.add(work);
      await work;
      inFlight.delete(work);
    }
  };

  await view.start();

  // AnalysisRuns are measured by the leader only, like every other write.
  let analysisRunner: Promise<AnalysisRunner> | undefined;
  const startAnalysis = () => {
    if (options.analysis === false || analysisRunner) return;
    analysisRunner = startAnalysisRunner({
      kc: options.kc,
      kube,
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

  let elector: LeaderElector | undefined;
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
        leading = true;
        metrics.isLeader.set(1);
        startAnalysis();
        enqueueAll();
      },
      onStoppedLeading: () => {
        leading = false;
        metrics.isLeader.set(0);
        void stopAnalysis();
      },
    });
    elector.start();
  } else {
    metrics.isLeader.set(1);
    startAnalysis();
  }

  const workers = Array.from({ length: Math.max(1, options.workers ?? 2) }, () => worker());
  enqueueAll();

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
  log.info({ namespace: options.namespace ?? "(all)", workers: workers.length, leaderElection: options.leaderElection !== undefined, ...addresses }, "controller started");

  return {
    metrics,
    addresses,
    isLeader: () => leading,
    isReady: () => view.hasSynced(),
    async stop() {
      // Finish the reconciles in flight, then give up the Lease so a standby takes over at once.
      queue.shutDown();
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
