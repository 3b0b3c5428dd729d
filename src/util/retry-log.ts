/**
 * Every retry is one structured log line with the same fields, so "what is sluice retrying, how often, and how
 * long until the next try" is one query: `retry` (what), `attempt` (1 = the first retry), `delayMs`, `err`, and
 * for work on one Rollout its `rollout` as namespace/name.
 */
import type { Logger } from "pino";

export type RetryNote = {
  /** What is retried, e.g. "reconcile", "list+watch Rollout", "analysis pass", "HTTPRoute shop/web". */
  what: string;
  attempt: number;
  delayMs: number;
  error: unknown;
  /** The Rollout concerned, as namespace/name, for rollout-scoped work. */
  rollout?: string | undefined;
  /** More identifying fields (kind, namespace, analysisRun). */
  context?: Record<string, string | undefined>;
};

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function logRetry(log: Logger, note: RetryNote, level: "debug" | "info" | "warn" = "warn"): void {
  const fields = { ...note.context, ...(note.rollout ? { rollout: note.rollout } : {}), retry: note.what, attempt: note.attempt, delayMs: note.delayMs, err: errorMessage(note.error) };
  log[level](fields, `${note.what} failed; retry ${note.attempt} in ${note.delayMs} ms`);
}
