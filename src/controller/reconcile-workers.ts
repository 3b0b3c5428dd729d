/**
 * The worker loop: take a Rollout's key off the queue, reconcile it if this process holds its shard, and put
 * it back as the result asks (after a delay, or rate-limited after an error). Each reconcile writes through a
 * client fenced by its shard's current term (leadership.ts).
 */
import type { Logger } from "pino";
import type { Rollout } from "../api/rollout.ts";
import { EventRecorder } from "../kube/events.ts";
import { FencedError, FencedKube, type WriteGuard } from "../kube/fenced-kube.ts";
import { ConflictError, type KubeClient } from "../kube/kube-client.ts";
import type { TrafficRouter } from "../routers/types.ts";
import { logRetry } from "../util/retry-log.ts";
import type { InformerClusterView } from "./cluster-view.ts";
import type { Leadership } from "./leadership.ts";
import type { ControllerMetrics } from "./metrics.ts";
import { reconcile, type ReconcileDeps } from "./reconcile.ts";
import type { WorkQueue } from "./work-queue.ts";
import { notificationsOf } from "./notifications/events.ts";
import type { Notifier } from "./notifications/notifier.ts";

export type WorkerOptions = {
  queue: WorkQueue;
  kube: KubeClient;
  view: InformerClusterView;
  leadership: Leadership;
  metrics: ControllerMetrics;
  log: Logger;
  now: () => Date;
  routerFor: ((rollout: Rollout, kube: KubeClient, options: { log: Logger }) => TrafficRouter | undefined) | undefined;
  /** Rollout notifications (off when undefined); fed after each successful status write, never awaited. */
  notifier?: Notifier | undefined;
};

export class ReconcileWorkers {
  private readonly o: WorkerOptions;
  private readonly inFlight = new Set<Promise<void>>();
  /** Each Rollout's version after our last write of it (see ReconcileDeps.rolloutWrites). */
  private readonly rolloutWrites = new Map<string, string>();
  private readonly loops: Promise<void>[] = [];

  constructor(options: WorkerOptions) {
    this.o = options;
  }

  start(count: number): void {
    for (let i = 0; i < count; i++) this.loops.push(this.loop());
  }

  /** Resolves when every reconcile in flight has finished and every loop has seen the queue shut down. */
  async drained(): Promise<void> {
    await Promise.all([...this.inFlight]);
    await Promise.all(this.loops);
  }

  /** What one reconcile writes with: a client (and the Events and router built on it) fenced by one term. */
  private depsFor(guard: WriteGuard): ReconcileDeps {
    const { kube, view, routerFor, log, now, metrics, notifier } = this.o;
    const fenced = new FencedKube(kube, guard);
    return {
      kube: fenced,
      view,
      events: new EventRecorder(fenced),
      routerFor: (rollout: Rollout) => routerFor?.(rollout, fenced, { log }),
      log,
      now,
      rolloutWrites: this.rolloutWrites,
      onStatus: (rollout: Rollout, previous: Rollout["status"]) => {
        // A counter, so counted by the writer, once; the Rollout's state (phase, step, weight) is read from the cache at scrape time.
        // Every status write makes sure the series exists (by 0): one that first appeared at 1 would have that 1 lost to increase().
        const transition = previous?.currentStepIndex !== rollout.status?.currentStepIndex;
        metrics.stepTransitions.inc({ namespace: rollout.metadata.namespace ?? "default", rollout: rollout.metadata.name ?? "" }, transition ? 1 : 0);
      },
      ...(notifier ? { onWritten: (rollout, actions, previous, status) => notifier.notify(rollout, notificationsOf(rollout, actions, previous, status)) } : {}),
    };
  }

  private async loop(): Promise<void> {
    const { queue, leadership, metrics } = this.o;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      metrics.queueDepth.set(queue.depth);
      const shard = leadership.shardOfKey(key);
      // Not ours (a standby, or another replica's shard): dropped; gaining the shard enqueues its Rollouts again.
      if (!leadership.mayWrite(shard)) {
        queue.done(key);
        continue;
      }
      const work = this.reconcileOne(key, this.depsFor(leadership.guardFor(shard)));
      this.inFlight.add(work);
      await work;
      this.inFlight.delete(work);
    }
  }

  private async reconcileOne(key: string, deps: ReconcileDeps): Promise<void> {
    const { queue, metrics, log } = this.o;
    const end = metrics.reconcileDuration.startTimer();
    try {
      const result = await reconcile(key, deps);
      queue.forget(key);
      if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      end({ result: "ok" });
    } catch (error) {
      if (error instanceof FencedError) {
        // The term ended mid-reconcile: nothing to retry here; the next holder reconciles from scratch.
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
  }
}
