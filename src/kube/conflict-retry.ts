/**
 * Retrying a read-decide-write on a 409 Conflict, for every writer outside the reconcile loop (the routers'
 * object writes, the CLI's status writes): one implementation, backing off with jitter.
 */
import pRetry from "p-retry";
import type { Logger } from "pino";
import { logRetry } from "../util/retry-log.ts";

/**
 * A 409 from the API server: someone else wrote the object since we read it (or created it first).
 * Recognised by the shapes clients use: an error named ConflictError (src/kube/kube-client.ts) or a
 * 409 in `statusCode`, `status` or `code`.
 */
export function isConflict(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, statusCode, status, code } = error as { name?: unknown; statusCode?: unknown; status?: unknown; code?: unknown };
  return name === "ConflictError" || statusCode === 409 || status === 409 || code === 409;
}

export type ConflictRetryOptions = {
  /** Tries in all, the first included (default 3); after that the conflict goes to the caller's backoff. */
  attempts?: number;
  /** First delay before jitter (default 50 ms); it doubles, times a random 1..2, up to `maxDelayMs` (1 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Where each retry is logged, what is retried ("HTTPRoute shop/web") and for which Rollout (namespace/name). */
  log?: Logger | undefined;
  what?: string;
  rollout?: string;
};

/**
 * Runs read → build → write again from a fresh read when the write hits a conflict: the build is pure
 * and level-triggered, so redoing it on the newer object is always right. Other errors propagate. The
 * retries wait a little, growing and jittered: whoever else writes the object (another controller, a user's
 * kubectl, a second replica) is mid-change, and an immediate re-read tends to land in the same race.
 */
export async function withConflictRetry<Result>(attempt: () => Promise<Result>, options: ConflictRetryOptions = {}): Promise<Result> {
  const { attempts = 3, minDelayMs = 50, maxDelayMs = 1_000, log, what = "router write", rollout } = options;
  return pRetry(() => attempt(), {
    retries: Math.max(0, attempts - 1),
    minTimeout: minDelayMs,
    maxTimeout: maxDelayMs,
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => isConflict(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
      // Conflicts are routine (that is what resourceVersions are for): debug, as the reconcile logs them.
      if (log && isConflict(error) && retriesLeft > 0) logRetry(log, { what, attempt: attemptNumber, delayMs: retryDelay, error, rollout }, "debug");
    },
  });
}
