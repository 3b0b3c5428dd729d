/** The ReplicaSet for one revision of a Rollout's pod template (pure). */
import { POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import type { PodMetadata, Rollout } from "../../api/rollout.ts";
import { templateOf } from "../../core/rollout-template.ts";
import type { KubeObject } from "../../kube/kube-object.ts";
import { POD_METADATA_ANNOTATION, REVISION_ANNOTATION, ROLLOUT_LABEL } from "../labels.ts";
import { ownerReferenceTo } from "./owner.ts";
import { podMetadataAnnotation } from "./pod-metadata.ts";

export function replicaSetName(rollout: Rollout, podHash: string): string {
  return `${rollout.metadata.name}-${podHash}`;
}

/**
 * `podMetadata`: the ephemeral labels/annotations of the role it starts in, on its pods only (the ReplicaSet's
 * own labels stay the template's, so finding it never depends on its role) and recorded in an annotation.
 */
export function buildReplicaSet(rollout: Rollout, podHash: string, replicas: number, revision: number, podMetadata: PodMetadata = {}): KubeObject {
  const name = rollout.metadata.name ?? "";
  const template = structuredClone(templateOf(rollout));
  const podLabels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: podHash };
  const roleAnnotations = { ...(template.metadata?.annotations ?? {}), ...(podMetadata.annotations ?? {}) };
  template.metadata = {
    ...template.metadata,
    labels: { ...podLabels, ...(podMetadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: podHash },
    ...(Object.keys(roleAnnotations).length > 0 ? { annotations: roleAnnotations } : {}),
  };
  const recorded = podMetadataAnnotation(podMetadata);
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: replicaSetName(rollout, podHash),
      namespace: rollout.metadata.namespace ?? "default",
      labels: { ...podLabels, [ROLLOUT_LABEL]: name },
      annotations: { [REVISION_ANNOTATION]: String(revision), ...(recorded ? { [POD_METADATA_ANNOTATION]: recorded } : {}) },
      ownerReferences: [ownerReferenceTo(rollout)],
    },
    spec: {
      replicas,
      minReadySeconds: rollout.spec.minReadySeconds,
      selector: {
        matchLabels: { ...(rollout.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: podHash },
        ...(rollout.spec.selector.matchExpressions ? { matchExpressions: rollout.spec.selector.matchExpressions } : {}),
      },
      template,
    },
  };
}
