/**
 * The pod template a Rollout runs: its own `spec.template`, or with `spec.workloadRef` the Deployment's, which
 * the controller copies into its in-memory Rollout before deciding (src/controller/workload-ref.ts). decide()
 * checks `hasTemplate` first and reports a Rollout without one as an invalid spec, so `templateOf` only meets
 * Rollouts that have one.
 */
import type { PodTemplate } from "../api/pod-template.ts";
import type { Rollout } from "../api/rollout.ts";

export const hasTemplate = (rollout: Rollout): boolean => rollout.spec.template !== undefined;

export function templateOf(rollout: Rollout): PodTemplate {
  const template = rollout.spec.template;
  if (!template) throw new Error(`Rollout ${rollout.metadata.namespace ?? "default"}/${rollout.metadata.name ?? ""} has no pod template (workloadRef not resolved)`);
  return template;
}
