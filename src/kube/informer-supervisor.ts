/**
 * Keeps one client-node informer running. client-node reconnects a watch that ends cleanly or times out by
 * itself, but on any other error (connection refused, a 5xx, a reset) it reports `error` and stops; so does a
 * failed initial list. The supervisor starts it again after an exponential, jittered delay, and starts the
 * backoff over only once a restarted informer has stayed healthy for a while: a server that accepts each watch
 * and then drops it at once must not get a restart every initial delay. (Why not p-retry: the failure arrives as
 * an event long after `start()` returned, and the backoff has to outlive each attempt, so it is a Backoff.)
 */
import type { Informer, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Backoff } from "../util/backoff.ts";
import type { Random } from "../util/seeded-random.ts";
import { logRetry } from "../util/retry-log.ts";

export type RestartPolicy = {
  initialDelayMs: number;
  maxDelayMs: number;
  /** A restarted informer that saw no error for this long is healthy: the backoff starts over. */
  healthyAfterMs: number;
  random?: Random;
};

/** client-go's reflector: 800 ms doubling to 30 s, reset after 2 minutes without trouble. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 800, maxDelayMs: 30_000, healthyAfterMs: 120_000 };

export type SupervisorOptions = {
  /** What is retried, for the log line: "list+watch Rollout". */
  what: string;
  log: Logger;
  policy?: RestartPolicy | undefined;
  /** Fields for every log line (kind). */
  context?: Record<string, string>;
};

export class InformerSupervisor {
  private readonly informer: Informer<KubernetesObject>;
  private readonly options: SupervisorOptions;
  private readonly policy: RestartPolicy;
  private readonly backoff: Backoff;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;
  private failedThisAttempt = false;
  private stopped = false;
  private hasSynced = false;
  private resolveFirstSync: () => void = () => undefined;
  private readonly firstSync = new Promise<void>((resolve) => (this.resolveFirstSync = resolve));

  constructor(informer: Informer<KubernetesObject>, options: SupervisorOptions) {
    this.informer = informer;
    this.options = options;
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.backoff = new Backoff({ initialDelayMs: this.policy.initialDelayMs, maxDelayMs: this.policy.maxDelayMs, ...(this.policy.random ? { random: this.policy.random } : {}) });
    informer.on("error", (error: unknown) => this.failed(error));
  }

  /** Listed once and watching (it stays true across restarts: the cache is kept and resumed). */
  get synced(): boolean {
    return this.hasSynced;
  }

  /** Start; resolves once the first list has succeeded (however many retries that takes), or on stop. */
  start(): Promise<void> {
    void this.attempt();
    return this.firstSync;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.healthyTimer);
    this.resolveFirstSync();
    await this.informer.stop();
  }

  private async attempt(): Promise<void> {
    this.restartTimer = undefined;
    if (this.stopped) return;
    this.failedThisAttempt = false;
    try {
      // Resolves after the list and the watch request; a failure of either is reported as `error` first.
      await this.informer.start();
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.stopped || this.failedThisAttempt) return;
    this.hasSynced = true;
    this.resolveFirstSync();
    clearTimeout(this.healthyTimer);
    this.healthyTimer = setTimeout(() => this.backoff.reset(), this.policy.healthyAfterMs);
    this.healthyTimer.unref();
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    this.failedThisAttempt = true;
    clearTimeout(this.healthyTimer);
    if (this.restartTimer) return; // one failure, one restart (an attempt can both report and reject)
    const delayMs = this.backoff.next();
    logRetry(this.options.log, { what: this.options.what, attempt: this.backoff.attempt, delayMs, error, ...(this.options.context ? { context: this.options.context } : {}) });
    this.restartTimer = setTimeout(() => void this.attempt(), delayMs);
  }
}
