/**
 * Exponential backoff with jitter, as a delay calculator for retries that are driven by events rather than by
 * a loop (an informer that reports an error long after it started). Loops that retry one call use p-retry.
 */
import type { Random } from "./seeded-random.ts";

export type BackoffPolicy = {
  /** The first delay (before jitter). */
  initialDelayMs: number;
  /** No delay is ever longer. */
  maxDelayMs: number;
  /** Growth per failure (default 2). */
  factor?: number;
  /**
   * The fraction of each delay that is random (default 0.5: a delay lands in [d/2, d]). Replicas that failed
   * together (an API server restart) then come back spread out instead of all at once.
   */
  jitter?: number;
  random?: Random;
};

export class Backoff {
  private readonly policy: Required<BackoffPolicy>;
  private failures = 0;

  constructor(policy: BackoffPolicy) {
    this.policy = { factor: 2, jitter: 0.5, random: Math.random, ...policy };
  }

  /** Failures since the last reset: the attempt number of the retry `next()` schedules. */
  get attempt(): number {
    return this.failures;
  }

  /** Count one more failure; the delay before the next try. */
  next(): number {
    const { initialDelayMs, maxDelayMs, factor, jitter, random } = this.policy;
    this.failures++;
    const exponential = Math.min(maxDelayMs, initialDelayMs * factor ** (this.failures - 1));
    return Math.max(1, Math.round(exponential * (1 - jitter * random())));
  }

  /** It worked (for long enough): the next failure starts from the initial delay again. */
  reset(): void {
    this.failures = 0;
  }
}
