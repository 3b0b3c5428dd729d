/** Which Rollouts a change to a watched object concerns: the keys ("namespace/name") to put on the queue. */
import type { KubeObject } from "../kube/kube-object.ts";
import type { WatchedKind } from "./cluster-view.ts";
import { ROLLOUT_LABEL } from "./labels.ts";

export const rolloutKey = (obj: KubeObject): string => `${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;

/**
 * ReplicaSets and AnalysisRuns name their Rollout (a label), so `rollouts` is only called for Services,
 * templates and Deployments, which any Rollout of the namespace may reference by name.
 */
export function affectedRollouts(kind: WatchedKind, obj: KubeObject, rollouts: () => KubeObject[]): string[] {
  if (kind === "Rollout") return [rolloutKey(obj)];
  const owner = obj.metadata.labels?.[ROLLOUT_LABEL];
  if (kind === "ReplicaSet" || kind === "AnalysisRun") return owner ? [`${obj.metadata.namespace}/${owner}`] : [];
  if (kind === "Deployment") {
    // Only the Rollouts that take their template from it (most Deployments of a cluster concern none).
    const ref = (r: KubeObject) => (r.spec as { workloadRef?: { name?: string } } | undefined)?.workloadRef?.name;
    return rollouts().filter((r) => r.metadata.namespace === obj.metadata.namespace && ref(r) === obj.metadata.name).map(rolloutKey);
  }
  const sameNamespace = (r: KubeObject) => kind === "ClusterAnalysisTemplate" || r.metadata.namespace === obj.metadata.namespace;
  return rollouts().filter(sameNamespace).filter((r) => JSON.stringify(r.spec ?? {}).includes(`"${obj.metadata.name}"`)).map(rolloutKey);
}
