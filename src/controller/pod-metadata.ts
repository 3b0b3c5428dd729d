/**
 * Carry out SetPodMetadata: a ReplicaSet's pods change role (canary -> stable on promotion) without a restart.
 * The order makes every step safe to repeat after a crash: the pod template first (pods created from now on
 * carry the new role), then the running pods, listed by their hash label only now (the controller watches no
 * Pods: at 10,000 Rollouts a Pod cache would dwarf the rest), and last the annotation recording the change;
 * until that is written, the next reconcile asks again.
 */
import { POD_TEMPLATE_HASH_LABEL } from "../api/group.ts";
import type { Rollout } from "../api/rollout.ts";
import type { Action, Plan } from "../core/plan.ts";
import { templateOf } from "../core/rollout-template.ts";
import { KubeRequestError, type KubeClient } from "../kube/kube-client.ts";
import { patchFor, podMetadataAnnotation, podMetadataPatch } from "./build/pod-metadata.ts";
import { POD_METADATA_ANNOTATION } from "./labels.ts";

type SetPodMetadata = Extract<Action, { kind: "SetPodMetadata" }>;

export async function setPodMetadata(kube: KubeClient, rollout: Rollout, action: SetPodMetadata, plan: Plan): Promise<void> {
  const namespace = rollout.metadata.namespace ?? "default";
  const rsRef = { apiVersion: "apps/v1", kind: "ReplicaSet", namespace, name: action.name };
  // A key the role no longer sets returns to the template's value; the Rollout holds only the current revision's.
  const own = plan.status.currentPodHash === action.podHash ? templateOf(rollout).metadata : undefined;
  const patch = podMetadataPatch(action.previous, action.metadata, own);
  if (Object.keys(patch).length > 0) {
    await kube.mergePatch(rsRef, { spec: { template: { metadata: patch } } });
    const pods = await kube.list("v1", "Pod", namespace, `${POD_TEMPLATE_HASH_LABEL}=${action.podHash}`);
    for (const pod of pods) {
      // The same template in another Rollout has the same hash: only this ReplicaSet's pods.
      if (!pod.metadata.ownerReferences?.some((o) => o.kind === "ReplicaSet" && o.name === action.name)) continue;
      const change = patchFor(pod.metadata, patch);
      if (!change) continue;
      try {
        await kube.mergePatch({ apiVersion: "v1", kind: "Pod", namespace, name: pod.metadata.name }, { metadata: change });
      } catch (error) {
        if (error instanceof KubeRequestError && error.status === 404) continue; // gone meanwhile: nothing to relabel
        throw error;
      }
    }
  }
  await kube.mergePatch(rsRef, { metadata: { annotations: { [POD_METADATA_ANNOTATION]: podMetadataAnnotation(action.metadata) } } });
}
