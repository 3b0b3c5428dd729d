/**
 * `spec.workloadRef`: the Rollout takes its pod template from an existing Deployment instead of its own
 * `spec.template`, as Argo Rollouts' does. The Deployment's template drives revisions (a change to it starts a
 * canary); `scaleDown` says what happens to the Deployment's own pods.
 */
import { z } from "zod";
import { k8sName } from "./fields.ts";

export const workloadScaleDownSchema = z.enum(["never", "onsuccess", "progressively"], {
  error: 'must be "never" (leave the Deployment as it is), "onsuccess" (scale it to 0 once the Rollout is Healthy) or "progressively" (scale it down as the Rollout\'s pods become available)',
});

export const workloadRefSchema = z.strictObject({
  apiVersion: z.literal("apps/v1").default("apps/v1").describe('API version of the workload: "apps/v1". Default "apps/v1".'),
  kind: z.literal("Deployment").describe('Kind of the workload: "Deployment" (a Rollout takes its pod template from a Deployment only).'),
  name: k8sName().describe("Name of the Deployment, in the Rollout's namespace."),
  scaleDown: workloadScaleDownSchema
    .default("never")
    .describe('What happens to the Deployment\'s own pods: "never" (leave them), "onsuccess" (scale it to 0 once the Rollout is Healthy) or "progressively" (one pod fewer per Rollout pod available). Default "never".'),
});

export type WorkloadRef = z.infer<typeof workloadRefSchema>;
export type WorkloadScaleDown = z.infer<typeof workloadScaleDownSchema>;
