/** The ReplicaSet for one revision of a Rollout's pod template (pure). */
import { POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import type { Rollout } from "../../api/rollout.ts";
import { templateOf } from "../../core/rollout-template.ts";
import type { KubeObject } from "../../kube/kube-object.ts";
import { REVISION_ANNOTATION, ROLLOUT_LABEL } from "../labels.ts";
import { ownerReferenceTo } from "./owner.ts";

export function replicaSetName(rollout: Rollout, podHash: string): string {
  return `${rollout.metadata.name}-${podHash}`;
}

export function buildReplicaSet(rollout: Rollout, podHash: string, replicas: number, revision: number): KubeObject {
  const name = rollout.metadata.name ?? "";
  const template = structuredClone(templateOf(rollout));
  const podLabels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: podHash };
  template.metadata = { ...template.metadata, labels: podLabels };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: replicaSetName(rollout, podHash),
      namespace: rollout.metadata.namespace ?? "default",
      labels: { ...podLabels, [ROLLOUT_LABEL]: name },
      annotations: { [REVISION_ANNOTATION]: String(revision) },
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
