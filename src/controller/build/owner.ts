/** The owner reference every object sluice creates carries: deleting the Rollout deletes them (garbage collection). */
import type { Rollout } from "../../api/rollout.ts";
import type { OwnerReference } from "../../kube/kube-object.ts";

export function ownerReferenceTo(rollout: Rollout): OwnerReference {
  return {
    apiVersion: rollout.apiVersion,
    kind: rollout.kind,
    name: rollout.metadata.name ?? "",
    uid: rollout.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
