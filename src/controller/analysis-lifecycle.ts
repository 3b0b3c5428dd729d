/**
 * The AnalysisRuns are measured by whoever may write their Rollout: the runner starts when this process gains
 * its first shard and stops when it holds none. In between it executes only the runs of the shards held, each
 * run's status write fenced by its shard's term, and looks again at every run when a shard is gained.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { startAnalysisRunner, type AnalysisRunner } from "../analysis/runner.ts";
import { FencedKube } from "../kube/fenced-kube.ts";
import type { KubeClient, KubeObject } from "../kube/kube-client.ts";
import type { InformerClusterView } from "./cluster-view.ts";
import { ROLLOUT_LABEL } from "./labels.ts";
import type { Leadership } from "./leadership.ts";
import { analysisMetricHooks } from "./analysis-metrics.ts";
import type { ControllerMetrics } from "./metrics.ts";

type RunLike = { metadata?: { namespace?: string | undefined; name?: string | undefined; labels?: Record<string, string> | undefined } };

/** A run belongs to its Rollout's shard (a run of no Rollout, to its own name's). */
export const runShardKey = (run: RunLike): string => `${run.metadata?.namespace ?? "default"}/${run.metadata?.labels?.[ROLLOUT_LABEL] ?? run.metadata?.name ?? ""}`;

export type AnalysisLifecycleOptions = {
  kc: KubeConfig;
  kube: KubeClient;
  view: InformerClusterView;
  leadership: Leadership;
  namespace: string | undefined;
  log: Logger;
  prometheusAddress: string | undefined;
  now: (() => Date) | undefined;
  /** Where run results and measured values are counted (absent: not counted). */
  metrics?: ControllerMetrics["analysis"] | undefined;
};

export class AnalysisLifecycle {
  private readonly o: AnalysisLifecycleOptions;
  private runner: Promise<AnalysisRunner> | undefined;
  private closed = false;

  constructor(options: AnalysisLifecycleOptions) {
    this.o = options;
  }

  /** A shard was gained: start the runner, or have the running one pick up the shard's runs. */
  shardGained(): void {
    if (this.closed) return;
    if (this.runner) {
      void this.runner.then((r) => r.rescan());
      return;
    }
    const { kc, kube, view, leadership, namespace, log, prometheusAddress, now, metrics } = this.o;
    const sharded = leadership.shardCount > 1;
    this.runner = startAnalysisRunner({
      kc,
      // Reads only, and the Secret reads of args: a run's status is written through writerFor.
      kube,
      writerFor: (run: KubeObject) => new FencedKube(kube, leadership.guardFor(leadership.shardOfKey(runShardKey(run)))),
      ...(sharded ? { owns: (run: RunLike) => leadership.mayWriteKey(runShardKey(run)) } : {}),
      // The controller's own AnalysisRun cache: one list+watch and one copy of each run in the leader.
      events: { subscribe: (listener) => view.subscribe("AnalysisRun", listener), current: () => view.cached("AnalysisRun") },
      namespace,
      log,
      prometheusAddress,
      ...(now ? { now } : {}),
      ...(metrics ? analysisMetricHooks(metrics, view) : {}),
    });
  }

  /** A shard was lost: with none left, stop (its in-flight writes are fenced already). */
  shardLost(): void {
    if (this.o.leadership.held().length === 0) void this.stop();
  }

  async stop(): Promise<void> {
    const running = this.runner;
    this.runner = undefined;
    if (running) await (await running).stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }
}
