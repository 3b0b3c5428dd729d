/**
 * Ephemeral pod metadata (Argo's canaryMetadata/stableMetadata, previewMetadata/activeMetadata): which labels
 * and annotations each ReplicaSet's pods should carry for the role it has now, and the change when that differs
 * from what sluice last put on them. Roles follow the status this plan writes: the stable (active) ReplicaSet
 * is status.stableRS, the new one is the template's while it is not stable yet, and every other ReplicaSet
 * carries none. Nothing is asked for when the metadata already matches, so a rollout without it writes nothing.
 */
import type { PodMetadata } from "../api/rollout.ts";
import type { DecideContext } from "./context.ts";
import type { ObservedReplicaSet } from "./observed.ts";
import { canonicalJson } from "./pod-template-hash.ts";

/** The metadata without empty maps: `{}` and `{labels: {}}` ask for the same thing. */
export function normalPodMetadata(metadata: PodMetadata | undefined): PodMetadata {
  const out: PodMetadata = {};
  if (metadata?.labels && Object.keys(metadata.labels).length > 0) out.labels = metadata.labels;
  if (metadata?.annotations && Object.keys(metadata.annotations).length > 0) out.annotations = metadata.annotations;
  return out;
}

export const isEmptyPodMetadata = (metadata: PodMetadata | undefined): boolean => Object.keys(normalPodMetadata(metadata)).length === 0;

const samePodMetadata = (a: PodMetadata | undefined, b: PodMetadata | undefined): boolean => canonicalJson(normalPodMetadata(a)) === canonicalJson(normalPodMetadata(b));

/** The metadata the pods of `hash` should carry now (empty: none). */
export function wantedPodMetadata(ctx: DecideContext, hash: string): PodMetadata {
  const { canary, blueGreen } = ctx.rollout.spec.strategy;
  const stable = canary ? canary.stableMetadata : blueGreen?.activeMetadata;
  const fresh = canary ? canary.canaryMetadata : blueGreen?.previewMetadata;
  const stableHash = ctx.status.stableRS;
  // No stable yet (the first revision) or the template is the stable one: it is fully rolled out.
  if (hash === stableHash || (hash === ctx.currentHash && stableHash === undefined)) return normalPodMetadata(stable);
  if (hash === ctx.currentHash) return normalPodMetadata(fresh);
  return {};
}

/** Ask for the role metadata of every ReplicaSet whose pods carry something else; new ReplicaSets start with theirs. */
export function decidePodMetadata(ctx: DecideContext): void {
  const deleted = new Set(ctx.actions.flatMap((a) => (a.kind === "DeleteReplicaSet" ? [a.name] : [])));
  ctx.actions = ctx.actions.map((a) => {
    if (a.kind !== "CreateReplicaSet") return a;
    const podMetadata = wantedPodMetadata(ctx, a.podHash);
    return isEmptyPodMetadata(podMetadata) ? a : { ...a, podMetadata };
  });
  for (const rs of ctx.observed.replicaSets) {
    if (deleted.has(rs.name)) continue;
    const change = podMetadataChange(rs, wantedPodMetadata(ctx, rs.podHash));
    if (change) ctx.actions.push(change);
  }
}

function podMetadataChange(rs: ObservedReplicaSet, metadata: PodMetadata): DecideContext["actions"][number] | undefined {
  if (samePodMetadata(rs.podMetadata, metadata)) return undefined;
  return { kind: "SetPodMetadata", name: rs.name, podHash: rs.podHash, metadata, previous: normalPodMetadata(rs.podMetadata) };
}
