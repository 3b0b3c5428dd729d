/**
 * The I/O half of the AnalysisRun executor. Watches AnalysisRuns (client-node informer, restarted with backoff),
 * and for each run that is not finished: reads it fresh, takes the measurements that are due, advances the
 * status with the pure `advanceRun`, writes it with `replaceStatus` (conditional on resourceVersion; on a
 * conflict it re-reads and applies the same measurements to the fresh status), and sleeps until the next
 * metric is due. When that is comes only from the stored measurements, so a restarted runner keeps the cadence.
 */
import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";
import pRetry from "p-retry";
import type { Logger } from "pino";
import { analysisRunSchema, type AnalysisRun, type AnalysisRunStatus } from "../api/analysis-run.ts";
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from "../api/group.ts";
import { ROLLOUT_LABEL } from "../controller/labels.ts";
import { FencedError } from "../kube/fenced-kube.ts";
import { InformerSupervisor } from "../kube/informer-supervisor.ts";
import { ConflictError, type KubeClient, type KubeObject } from "../kube/kube-client.ts";
import { kubeSecretReader } from "../providers/kube-secrets.ts";
import { PrometheusProvider } from "../providers/prometheus.ts";
import type { RetryPolicy } from "../providers/prometheus-http.ts";
import { kubeJobs } from "../providers/job.ts";
import type { JobClient, MetricProvider } from "../providers/types.ts";
import { errorMessage, logRetry } from "../util/retry-log.ts";
import { runBudget } from "./false-abort-budget.ts";
import { resolveArgs } from "./resolve-args.ts";
import { advanceRun, finalLooksAtTermination, type TakenMeasurement } from "./run-progress.ts";
import { takeMeasurements } from "./take-measurements.ts";

export interface AnalysisRunnerOptions {
  readonly kc: KubeConfig;
  readonly kube: KubeClient;
  /** Watch one namespace; absent = all. */
  readonly namespace?: string | undefined;
  readonly log: Logger;
  /** Default Prometheus for metrics that name no address (`--prometheus-address`). */
  readonly prometheusAddress?: string | undefined;
  readonly now?: () => Date;
  /** Replaces the Prometheus provider (tests). */
  readonly provider?: MetricProvider;
  readonly retry?: RetryPolicy;
  /** Backoff of a failed pass (default 1 s doubling, jittered, to 30 s). */
  readonly passRetry?: { readonly minDelayMs: number; readonly maxDelayMs: number };
  /**
   * AnalysisRun events from a cache the caller already keeps (the controller's): then the runner opens no
   * list+watch of its own, and the leader holds one copy of every AnalysisRun, not two.
   */
  readonly events?: AnalysisRunEvents;
  /**
   * Sharded controllers: the runs this process executes now (those of the Rollouts whose shard it holds), and
   * the client that writes a run's status, fenced by its shard's term. Default: every run, through `kube`.
   */
  readonly owns?: (run: KubernetesObject) => boolean;
  readonly writerFor?: (run: KubeObject) => KubeClient;
  /** Where job metrics' Jobs are made (default: through `kube`; tests script it). */
  readonly jobs?: JobClient;
  /** Spacing of the looks at a running Job (default JOB_POLL_MS). */
  readonly jobPollMs?: number;
  /** The run's result was written (once per run: the write that took it from unfinished to finished). Must return at once. */
  readonly onFinished?: (run: KubeObject, phase: FinishedPhase) => void;
  /** Measurements were written into the run's status. Must return at once. */
  readonly onMeasured?: (run: KubeObject, taken: readonly TakenMeasurement[]) => void;
}

export type FinishedPhase = "Successful" | "Failed" | "Inconclusive" | "Error";
const isFinished = (phase: unknown): phase is FinishedPhase => phase === "Successful" || phase === "Failed" || phase === "Inconclusive" || phase === "Error";

/** A source of AnalysisRun changes; `subscribe` hears every add, update and delete from then on, and returns how to stop. */
export interface AnalysisRunEvents {
  subscribe(listener: (object: KubernetesObject, deleted: boolean) => void): () => void;
  /** The AnalysisRuns cached now (those added before the subscription). */
  current(): KubernetesObject[];
}

export interface AnalysisRunner {
  /** Look again at every cached run (this process just took over a shard: its runs are ours now). */
  rescan(): void;
  stop(): Promise<void>;
}

const PLURAL = "analysisruns";
const MAX_CONFLICT_RETRIES = 5;
/** Longest sleep between looks at a running run, so a missed watch event cannot stall it for long. */
const MAX_SLEEP_MS = 30_000;
/**
 * How often a run with a Job running (a job metric's measurement) reads that Job. Polling, not a Job informer:
 * it costs one GET per running Job per interval and nothing at all otherwise, while an informer would hold a
 * watch and a cache of every Job sluice made, for every idle rollout too. A Job runs for seconds to minutes, so
 * noticing its end up to this late is small beside it.
 */
export const JOB_POLL_MS = 3_000;

type Key = string;
const keyOf = (o: { metadata?: { namespace?: string | undefined; name?: string | undefined } }): Key => `${o.metadata?.namespace ?? "default"}/${o.metadata?.name ?? ""}`;

export async function startAnalysisRunner(options: AnalysisRunnerOptions): Promise<AnalysisRunner> {
  const { kc, kube, log } = options;
  const now = options.now ?? (() => new Date());
  const readSecret = kubeSecretReader(kube);
  const provider =
    options.provider ??
    new PrometheusProvider({ defaultAddress: options.prometheusAddress, readSecret, ...(options.retry ? { retry: options.retry } : {}) });
  const jobs = options.jobs ?? kubeJobs(kube);
  const jobPollMs = options.jobPollMs ?? JOB_POLL_MS;
  const timers = new Map<Key, NodeJS.Timeout>();
  const chains = new Map<Key, Promise<void>>();
  /** Runs with a pass queued behind the one running (or retrying): further events add nothing. */
  const waiting = new Set<Key>();
  /** The Rollout of each run (its label), for the retry log lines. */
  const rollouts = new Map<Key, string>();
  const stopping = new AbortController();
  const passRetry = options.passRetry ?? { minDelayMs: 1_000, maxDelayMs: MAX_SLEEP_MS };
  let stopped = false;

  const forget = (key: Key) => {
    clearTimeout(timers.get(key));
    timers.delete(key);
  };

  const schedule = (key: Key, delayMs: number) => {
    if (stopped) return;
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => enqueue(key), Math.max(0, Math.min(delayMs, MAX_SLEEP_MS))));
  };

  /**
   * A failed pass (the API server erroring, say) is retried with exponential backoff and jitter until it
   * succeeds or the runner stops. Watch events for the run meanwhile wait behind the retry, as the controller's
   * work queue does: the retry reads the run fresh, so it acts on whatever the events were about.
   */
  const passWithRetry = (key: Key) => {
    const [namespace = "default", name = ""] = key.split("/");
    const rollout = rollouts.get(key);
    return pRetry(() => pass(key), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: passRetry.minDelayMs,
      maxTimeout: passRetry.maxDelayMs,
      factor: 2,
      randomize: true,
      signal: stopping.signal,
      // Fenced: this process lost the Lease or is stopping, and the runner is being stopped with it.
      shouldRetry: ({ error }) => !(error instanceof FencedError),
      onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
        if (error instanceof FencedError) return;
        logRetry(log, { what: "analysis pass", attempt: attemptNumber, delayMs: retryDelay, error, rollout: rollout ? `${namespace}/${rollout}` : undefined, context: { namespace, analysisRun: name } });
      },
    }).catch((error: unknown) => {
      if (stopped || error instanceof FencedError) return;
      // Only what p-retry never retries gets here (a TypeError: a bug); look again at the longest sleep.
      log.error({ namespace, analysisRun: name, err: errorMessage(error), retryInMs: MAX_SLEEP_MS }, "analysis pass failed");
      schedule(key, MAX_SLEEP_MS);
    });
  };

  /** One pass at a time per run: a pass started while another runs waits for it. */
  const enqueue = (key: Key) => {
    if (stopped || waiting.has(key)) return;
    waiting.add(key);
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => {
      waiting.delete(key);
      return passWithRetry(key);
    });
    chains.set(key, next);
    void next.finally(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
  };

  const read = (namespace: string, name: string) => kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace, name });

  async function rolloutHashes(object: KubeObject): Promise<{ canary?: string; stable?: string }> {
    const rollout = object.metadata.labels?.[ROLLOUT_LABEL];
    if (!rollout) return {};
    const found = await kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: object.metadata.namespace ?? "default", name: rollout }).catch(() => undefined);
    const status = (found?.status ?? {}) as { currentPodHash?: string; stableRS?: string };
    return { ...(status.currentPodHash ? { canary: status.currentPodHash } : {}), ...(status.stableRS ? { stable: status.stableRS } : {}) };
  }

  /** The named metrics' measurements at `at`; `final`: each is its metric's last look (the run is terminated). */
  async function measure(object: KubeObject, run: AnalysisRun, names: readonly string[], status: AnalysisRunStatus, at: Date, final: boolean): Promise<TakenMeasurement[]> {
    const namespace = object.metadata.namespace ?? "default";
    const args = await resolveArgs(run.spec.args, namespace, readSecret);
    const metrics = run.spec.metrics.filter((m) => names.includes(m.name));
    const hashes = metrics.some((m) => m.compare) ? await rolloutHashes(object) : {};
    const owner = { name: object.metadata.name, namespace, uid: object.metadata.uid ?? "", labels: object.metadata.labels };
    return takeMeasurements({ provider, metrics, status, args, namespace, at, now, hashes, final, budget: runBudget(run.spec), jobs: { client: jobs, owner } });
  }

  async function writeStatus(writer: KubeClient, object: KubeObject, status: AnalysisRunStatus): Promise<KubeObject> {
    return writer.replaceStatus({ ...object, status: status as Record<string, unknown> }, PLURAL);
  }

  async function pass(key: Key): Promise<void> {
    if (stopped) return;
    const [namespace = "default", name = ""] = key.split("/");
    const runLog = log.child({ namespace, analysisRun: name });
    let object = await read(namespace, name);
    if (!object) return; // deleted
    if (options.owns && !options.owns(object)) return forget(key); // its shard is another replica's now
    // Taken once per pass: a pass begun in one term of the shard writes nothing once that term ends.
    const writer = options.writerFor?.(object) ?? kube;
    const parsed = analysisRunSchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = `invalid AnalysisRun: ${issue ? `${issue.path.join(".")}: ${issue.message}` : parsed.error.message}`;
      const current = (object.status ?? {}) as { phase?: string; message?: string };
      if (current.phase !== "Error" || current.message !== message) {
        runLog.warn({ reason: message }, "analysis run cannot be executed");
        const written = await writeStatus(writer, object, { phase: "Error", message, startedAt: now().toISOString(), completedAt: now().toISOString() });
        if (!isFinished(current.phase)) options.onFinished?.(written, "Error");
      }
      return;
    }
    const run = parsed.data;
    let progress = advanceRun(run.spec, run.status, [], now());
    let taken: TakenMeasurement[] = [];
    const at = now();
    // A terminated run measures nothing more but the final looks of the metrics that have no last look of their own.
    const dueNow = run.spec.terminate ? finalLooksAtTermination(run.spec, run.status) : progress.due.filter((d) => d.at.getTime() <= at.getTime()).map((d) => d.metric);
    const logTaken = (measurements: readonly TakenMeasurement[]) => {
      for (const t of measurements) {
        // A look at a Job that is still running, as it was last time, is no news: one line when the Job starts, one when it ends.
        const stored = run.status?.metricResults?.find((r) => r.name === t.metric)?.measurements?.at(-1);
        if (t.measurement.phase === "Running" && stored?.phase === "Running" && stored.startedAt === t.measurement.startedAt && stored.message === t.measurement.message) continue;
        runLog.info({ metric: t.metric, phase: t.measurement.phase, value: t.measurement.value, message: t.measurement.message }, "measurement");
      }
    };
    if (dueNow.length > 0) {
      taken = await measure(object, run, dueNow, progress.status, at, run.spec.terminate);
      logTaken(taken);
      progress = advanceRun(run.spec, run.status, taken, now());
    }
    let written = false;
    let finishedNow: FinishedPhase | undefined;
    for (let attempt = 0; ; attempt++) {
      const before = JSON.stringify(run.status ?? null);
      if (JSON.stringify(progress.status) !== before || object.status === undefined) {
        try {
          object = await writeStatus(writer, object, progress.status);
          written = true;
          // run.status is what this write replaced (a conflict re-read it), so a result is reported once.
          if (isFinished(progress.status.phase) && !isFinished(run.status?.phase)) finishedNow = progress.status.phase;
          if (progress.status.phase !== run.status?.phase) runLog.info({ phase: progress.status.phase, message: progress.status.message }, "analysis run phase");
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
          // Someone else wrote (the controller setting terminate, another pass): apply our measurements to the fresh object.
          const fresh = await read(namespace, name);
          if (!fresh) return;
          const again = analysisRunSchema.safeParse(fresh);
          if (!again.success) return enqueue(key);
          const newlyTerminated = again.data.spec.terminate && !run.spec.terminate;
          object = fresh;
          run.spec = again.data.spec;
          run.status = again.data.status;
          if (newlyTerminated) {
            // Terminated while this pass measured: its looks were not final; those metrics take their final look now.
            const finals = finalLooksAtTermination(run.spec, run.status);
            if (finals.length > 0) {
              const last = await measure(object, run, finals, run.status ?? {}, now(), true);
              logTaken(last);
              taken = [...taken.filter((t) => !finals.includes(t.metric)), ...last];
            }
          }
          progress = advanceRun(run.spec, run.status, taken, now());
          continue;
        }
      }
      break;
    }
    // Told here, outside the write's try: a listener's mistake must not pass for a failed write (a pass measured again).
    if (written && taken.length > 0) options.onMeasured?.(object, taken);
    if (finishedNow) options.onFinished?.(object, finishedNow);
    // A metric awaiting its Job is due at every look; those looks come jobPollMs apart.
    const nextAt = (d: (typeof progress.due)[number]) => (d.poll ? Math.max(d.at.getTime(), now().getTime() + jobPollMs) : d.at.getTime());
    const next = progress.due.reduce<number | undefined>((soonest, d) => (soonest === undefined || nextAt(d) < soonest ? nextAt(d) : soonest), undefined);
    if (next !== undefined) schedule(key, next - now().getTime());
    else forget(key);
  }

  const onChange = (object: KubernetesObject) => {
    if (options.owns && !options.owns(object)) return forget(keyOf(object));
    const rollout = object.metadata?.labels?.[ROLLOUT_LABEL];
    if (rollout) rollouts.set(keyOf(object), rollout);
    if (isFinished((object as { status?: { phase?: string } }).status?.phase)) {
      forget(keyOf(object));
      return;
    }
    enqueue(keyOf(object));
  };
  const onDelete = (object: KubernetesObject) => {
    forget(keyOf(object));
    rollouts.delete(keyOf(object));
  };
  const namespace = options.namespace;
  let stopEvents: () => Promise<void>;
  let current: () => readonly KubernetesObject[];
  if (options.events) {
    const events = options.events;
    const unsubscribe = events.subscribe((object, deleted) => (deleted ? onDelete(object) : onChange(object)));
    for (const object of events.current()) onChange(object);
    current = () => events.current();
    stopEvents = async () => unsubscribe();
  } else {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const path = namespace ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${PLURAL}` : `/apis/${API_GROUP}/${API_VERSION}/${PLURAL}`;
    const list = async () =>
      (namespace
        ? await custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: PLURAL })
        : await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL })) as KubernetesListObject<KubernetesObject>;
    const informer = makeInformer(kc, path, list);
    informer.on("add", onChange);
    informer.on("update", onChange);
    informer.on("delete", onDelete);
    // Restarted with backoff on errors; not awaited, so an unreachable API server cannot hold up the caller.
    const supervisor = new InformerSupervisor(informer, { what: "list+watch AnalysisRun", log, context: { kind: "AnalysisRun" } });
    void supervisor.start();
    current = () => informer.list();
    stopEvents = () => supervisor.stop();
  }
  log.info({ namespace: namespace ?? "(all)", prometheus: options.prometheusAddress }, "analysis runner started");

  return {
    rescan() {
      for (const object of current()) onChange(object);
    },
    async stop() {
      stopped = true;
      stopping.abort();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await stopEvents();
      await Promise.allSettled([...chains.values()]);
    },
  };
}
