/** `sluice undo`: put an earlier revision's pod template back (pure), as `kubectl rollout undo` does. */
import { POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import { REVISION_ANNOTATION } from "../../controller/labels.ts";
import type { KubeObject } from "../../kube/kube-client.ts";
import { RefusedError, UserError } from "../errors.ts";
import { withoutServerDefaults } from "./pod-defaults.ts";
import type { SpecChange } from "./spec-changes.ts";

type PodTemplate = { metadata?: { labels?: Record<string, string> } & Record<string, unknown> } & Record<string, unknown>;

export function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? "0") || 0;
}

export function hashOf(rs: KubeObject): string {
  return rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "";
}

/**
 * `current` is the pod-template hash the rollout is at (status.currentPodHash); the default target is the
 * highest revision below the current one's.
 */
export function undo(object: KubeObject, replicaSets: KubeObject[], current: string | undefined, toRevision: number | undefined): SpecChange {
  const name = object.metadata.name;
  const byRevision = [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a));
  const known = byRevision.map((rs) => `${revisionOf(rs)} (${hashOf(rs)})`).join(", ") || "none";
  const currentRs = replicaSets.find((rs) => hashOf(rs) === current);
  let target: KubeObject | undefined;
  if (toRevision !== undefined) {
    target = byRevision.find((rs) => revisionOf(rs) === toRevision);
    if (!target) throw new UserError(`rollout "${name}" has no revision ${toRevision}; known revisions: ${known}`);
  } else {
    const below = currentRs ? revisionOf(currentRs) : Number.POSITIVE_INFINITY;
    target = byRevision.find((rs) => revisionOf(rs) < below && rs !== currentRs);
    if (!target) throw new RefusedError(`rollout "${name}" has no revision before the current one to go back to; known revisions: ${known}`);
  }
  if (target === currentRs) throw new RefusedError(`rollout "${name}" is already at revision ${revisionOf(target)} (${hashOf(target)})`);
  const template = withoutServerDefaults(structuredClone((target.spec as { template?: PodTemplate }).template ?? {})) as PodTemplate;
  // The hash label is the controller's, added per ReplicaSet; the Rollout's own template never carries it.
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  template.metadata = { ...template.metadata, labels };
  return {
    object: { ...object, spec: { ...(object.spec as Record<string, unknown>), template } },
    said: `rollout "${name}" rolled back to revision ${revisionOf(target)} (${hashOf(target)}): the controller rolls it out through the steps`,
  };
}
