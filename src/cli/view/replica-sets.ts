/** A Rollout's ReplicaSets as the view needs them: hash, revision, images, pods, role. */
import { POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import type { Rollout } from "../../api/rollout.ts";
import { REVISION_ANNOTATION } from "../../controller/labels.ts";
import type { KubeObject } from "../../kube/kube-client.ts";

export type ReplicaSetRow = { hash: string; revision: number; images: string[]; ready: number; desired: number; roles: string[] };

type ReplicaSetShape = { spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } }; status?: { readyReplicas?: number } };

/** The hash behind a Service selector string ("app=web,rollouts-pod-template-hash=abc"). */
export function hashInSelector(selector: string | undefined): string | undefined {
  return selector?.split(",").map((part) => part.split("=")).find(([key]) => key === POD_TEMPLATE_HASH_LABEL)?.[1];
}

/** Roles of a revision: stable/canary for a canary, active/preview for blue-green. */
export function rolesByHash(rollout: Rollout): Map<string, string[]> {
  const s = rollout.status ?? {};
  const roles = new Map<string, string[]>();
  const add = (hash: string | undefined, role: string) => {
    if (hash) roles.set(hash, [...(roles.get(hash) ?? []), role]);
  };
  if (rollout.spec.strategy.blueGreen) {
    add(hashInSelector(s.blueGreen?.activeSelector) ?? s.stableRS, "active");
    if (s.currentPodHash !== (hashInSelector(s.blueGreen?.activeSelector) ?? s.stableRS)) add(hashInSelector(s.blueGreen?.previewSelector) ?? s.currentPodHash, "preview");
  } else {
    add(s.stableRS, "stable");
    if (s.currentPodHash !== s.stableRS) add(s.currentPodHash, "canary");
  }
  return roles;
}

export function replicaSetRows(rollout: Rollout, sets: KubeObject[]): ReplicaSetRow[] {
  const roles = rolesByHash(rollout);
  return sets
    .map((rs) => {
      const shape = rs as unknown as ReplicaSetShape;
      const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "";
      return {
        hash,
        revision: Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? "0") || 0,
        images: (shape.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "?"),
        ready: shape.status?.readyReplicas ?? 0,
        desired: shape.spec?.replicas ?? 0,
        roles: roles.get(hash) ?? [],
      };
    })
    .sort((a, b) => b.revision - a.revision || a.hash.localeCompare(b.hash));
}
