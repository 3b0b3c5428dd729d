/**
 * Read a Rollout and write it back the way the controller expects: one write, conditional on the
 * resourceVersion that was read, re-read and decided again on a 409 (the controller writes status often).
 */
import { API_GROUP_VERSION } from "../api/group.ts";
import { parseSluiceObject } from "../api/objects.ts";
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import type { KubeObject, ObjectRef } from "../kube/kube-client.ts";
import type { Cluster } from "./cluster.ts";
import { UserError } from "./errors.ts";
import { withConflictRetry as retryOnConflict } from "../kube/conflict-retry.ts";

const ATTEMPTS = 5;

export function rolloutRef(cluster: Cluster, name: string): ObjectRef {
  return { apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: cluster.namespace, name };
}

export async function readRollout(cluster: Cluster, name: string): Promise<KubeObject> {
  const raw = await cluster.kube.get(rolloutRef(cluster, name));
  if (!raw) throw new UserError(`rollout "${name}" not found in namespace "${cluster.namespace}" (list them with \`sluice get rollouts -n ${cluster.namespace}\`)`);
  return raw;
}

/**
 * The Rollout with its schema's types. An object the API server accepted but zod rejects (an invalid spec the
 * controller reports as Degraded) is still shown and acted on: its status is what commands look at.
 */
export function typedRollout(raw: KubeObject): Rollout {
  const parsed = parseSluiceObject(raw);
  if (parsed.status === "valid" && parsed.object.kind === "Rollout") return parsed.object.value;
  return raw as unknown as Rollout;
}

export type Change<T> = { object: KubeObject; said: T };

/** Re-run `decide` on a fresh read until its write goes through without a conflict (backing off between tries). */
function withConflictRetry<T>(cluster: Cluster, name: string, write: (raw: KubeObject) => Promise<T>): Promise<T> {
  return retryOnConflict(async () => write(await readRollout(cluster, name)), { attempts: ATTEMPTS, what: `Rollout ${name}` });
}

/** Write the status subresource: `decide` returns the new status (or throws a RefusedError). */
export async function updateStatus<T>(
  cluster: Cluster,
  name: string,
  decide: (rollout: Rollout) => { status: RolloutStatus; said: T },
): Promise<{ object: KubeObject; said: T }> {
  return withConflictRetry(cluster, name, async (raw) => {
    const { status, said } = decide(typedRollout(raw));
    const object = await cluster.kube.replaceStatus({ ...raw, status }, "rollouts");
    return { object, said };
  });
}

/** Write the main resource: `decide` returns the whole object to PUT (with the resourceVersion read). */
export async function updateRollout<T>(
  cluster: Cluster,
  name: string,
  decide: (raw: KubeObject, rollout: Rollout) => Promise<{ object: KubeObject; said: T }> | { object: KubeObject; said: T },
): Promise<{ object: KubeObject; said: T }> {
  return withConflictRetry(cluster, name, async (raw) => {
    const { object: wanted, said } = await decide(structuredClone(raw), typedRollout(raw));
    const object = await cluster.kube.replace(wanted);
    return { object, said };
  });
}

/** A merge patch of the main resource: `decide` returns it with the resourceVersion read (see spec-changes.ts). */
export async function patchRollout<T>(
  cluster: Cluster,
  name: string,
  decide: (raw: KubeObject) => { patch: Record<string, unknown>; said: T },
): Promise<{ object: KubeObject; said: T }> {
  return withConflictRetry(cluster, name, async (raw) => {
    const { patch, said } = decide(raw);
    const object = await cluster.kube.mergePatch(rolloutRef(cluster, name), patch);
    return { object, said };
  });
}
