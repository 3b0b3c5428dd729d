/** The write half of every router shell: one write per object, only when it changes, retried on conflict. */
export { isConflict, withConflictRetry, type ConflictRetryOptions } from "../kube/conflict-retry.ts";
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "pino";
import type { ConflictRetryOptions } from "../kube/conflict-retry.ts";
import type { Rollout } from "../api/rollout.ts";
import { rolloutName, rolloutNamespace } from "./rollout-refs.ts";
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

/** The retry options for a router writing `what` for `rollout`. */
export function conflictRetryFor(rollout: Rollout, what: string, log: Logger | undefined): ConflictRetryOptions {
  return { log, what, rollout: `${rolloutNamespace(rollout)}/${rolloutName(rollout)}` };
}

