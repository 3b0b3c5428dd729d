/**
 * A de-duplicating work queue keyed "namespace/name", as controller-runtime has it: a key waiting is queued
 * once however often it is added; a key being processed is never processed twice at once (an add during
 * processing queues it again afterwards); failures back off exponentially per key; `addAfter` wakes a key
 * later (timed pauses, scale-down delays).
 *
 * Unlike controller-runtime, a watch event does not cut a failure backoff short: an `add` for a key that is
 * waiting for its retry is absorbed by that retry. A key fails for a reason that events rarely fix (the API
 * server erroring, a conflict storm, a broken router object) while events keep coming (our own partial writes,
 * the ReplicaSet status of the pods we scaled), so letting them through turns the backoff into a retry at
 * event rate. Reconcile is level-triggered, so the retry sees whatever the events were about; a user's promote
 * or abort is acted on when the backoff ends, which is why the cap is a modest 30 s. Success ends the backoff.
 * The exception is a change to the Rollout itself (`addNow`): a failing reconcile writes no status, so such an
 * event is a person's (promote, abort, a new template) and is acted on at once.
 */
export type WorkQueueOptions = { baseDelayMs?: number; maxDelayMs?: number };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** Keys waiting for a failure retry: adds are absorbed until their timer fires. */
  private readonly inBackoff = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.inBackoff.has(key)) return; // the pending retry will reconcile it (see the top of the file)
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  /** Add the key now, even while it waits for a failure retry (the retry's timer is cancelled). */
  addNow(key: string): void {
    if (this.shuttingDown) return;
    if (this.inBackoff.delete(key)) {
      const pending = this.timers.get(key);
      if (pending) clearTimeout(pending.timer);
      this.timers.delete(key);
    }
    this.add(key);
  }

  /** Add the key after `ms`; an earlier pending wake-up for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.inBackoff.delete(key); // whichever wake-up comes first is the retry
      this.add(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Requeue after a failure, 0.5 s, 1 s, 2 s ... up to the maximum. Returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - 1));
    this.addAfter(key, delay);
    if (this.timers.has(key)) this.inBackoff.add(key);
    return delay;
  }

  /** Consecutive failures of the key (the attempt number of its pending retry). */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The key succeeded: its backoff starts over. */
  forget(key: string): void {
    this.failures.delete(key);
    this.inBackoff.delete(key);
  }

  /** Next key to process, or undefined once shut down. */
  async get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return key;
    }
    if (this.shuttingDown) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  get depth(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.inBackoff.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
