/** The write half of every router shell: one write per object, only when it changes, retried on conflict. */
import { isDeepStrictEqual } from "node:util";
import type { KubeObject, RouterKubeClient } from "./types.ts";

export type WriteOutcome = { verb: "created" | "replaced"; stored: KubeObject } | { verb: "unchanged" };

/**
 * Creates the object when there is none, replaces it when the built object differs, and does nothing
 * otherwise, so a reconcile that finds the cluster as it should be makes no write at all. Returns what
 * the API server stored, which can differ from what was sent (defaults, pruned unknown fields).
 */
export async function writeIfChanged(client: RouterKubeClient, current: unknown, desired: KubeObject): Promise<WriteOutcome> {
  if (current === undefined || current === null) return { verb: "created", stored: await client.create(desired) };
  if (isDeepStrictEqual(current, desired)) return { verb: "unchanged" };
  return { verb: "replaced", stored: await client.replace(desired) };
}

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

/**
 * Runs read → build → write again from a fresh read when the write hits a conflict: the build is pure
 * and level-triggered, so redoing it on the newer object is always right. Other errors propagate.
 */
export async function withConflictRetry<Result>(attempt: () => Promise<Result>, attempts = 3): Promise<Result> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConflict(error) || tries >= attempts) throw error;
    }
  }
}
