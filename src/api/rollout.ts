/** The Rollout kind (sluice.dev/v1alpha1): spec, status and the whole object. */
import { z } from "zod";
import { rolloutAnalysisSchema } from "./analysis-refs.ts";
import {
  condition,
  duration,
  exactlyOneOf,
  intOrPercent,
  intRange,
  k8sName,
  labelSelector,
  sluiceKind,
  stringMap,
  weight,
} from "./fields.ts";
import { podTemplateSchema } from "./pod-template.ts";
import { workloadRefSchema } from "./workload-ref.ts";
import { rolloutSpecProblems } from "./rollout-rules.ts";
import { canaryStepSchema } from "./steps.ts";
import { trafficRoutingSchema } from "./traffic-routing.ts";

export const backgroundAnalysisSchema = rolloutAnalysisSchema.extend({
  startingStep: intRange(0)
    .optional()
    .describe("Index (0-based) of the canary step at which the background analysis starts; absent = from the start of the rollout. Must be less than the number of steps."),
});

/**
 * Labels and annotations for the pods of one role (canary, stable, preview, active), on top of the template's.
 * They are not part of the revision: the pod-template hash is of spec.template alone, and a promotion swaps
 * them on the running pods in place (no restart).
 */
export const podMetadataSchema = z.strictObject({
  labels: stringMap()
    .optional()
    .describe("Labels added to the pods of this role (key: value). May not set rollouts-pod-template-hash or a label of spec.selector."),
  annotations: stringMap().optional().describe("Annotations added to the pods of this role (key: value)."),
});

export const canaryStrategySchema = z.strictObject({
  stableService: k8sName()
    .optional()
    .describe("Service that sluice pins to the stable pods (by the rollouts-pod-template-hash label). Required with trafficRouting, except Istio by destinationRule subsets."),
  canaryService: k8sName()
    .optional()
    .describe("Service that sluice pins to the canary pods (by the rollouts-pod-template-hash label); must differ from stableService. Required with trafficRouting, except Istio by destinationRule subsets."),
  trafficRouting: trafficRoutingSchema
    .optional()
    .describe("The traffic router that applies the canary's weight: exactly one of gatewayAPI, nginx, istio, smi. Absent = the weight is the canary's share of the replicas."),
  steps: z
    .array(canaryStepSchema)
    .optional()
    .describe("The steps the canary walks, in order. Absent (and no stepWeight) = promote at once, as Argo Rollouts does."),
  analysis: backgroundAnalysisSchema
    .optional()
    .describe("Background analysis: an AnalysisRun that runs for the whole rollout (from startingStep) beside the steps; a failure aborts the rollout."),
  maxSurge: intOrPercent()
    .default("25%")
    .describe('Without a traffic router: pods allowed above spec.replicas during the update, a number or a percentage of spec.replicas (rounded up). Default "25%".'),
  maxUnavailable: intOrPercent()
    .default("25%")
    .describe('Pods of spec.replicas allowed to be unavailable during the update, a number or a percentage (rounded down); 0 together with maxSurge 0 is refused. Default "25%".'),
  scaleDownDelaySeconds: intRange(0)
    .default(30)
    .describe("Seconds the old stable ReplicaSet keeps running after promotion, while traffic shifts away from it. Default 30."),
  abortScaleDownDelaySeconds: intRange(0)
    .default(30)
    .describe("Seconds the canary keeps running after an abort (traffic is already back on stable). Default 30."),
  stepWeight: intRange(1, 100)
    .optional()
    .describe("Flagger-style shorthand for steps: the weight (1-100) added per step, i.e. setWeight stepWeight, 2*stepWeight, ... up to maxWeight, each followed by a pause of interval. Not with steps."),
  maxWeight: intRange(1, 100)
    .optional()
    .describe("Shorthand (with stepWeight): the last weight (1-100) before promotion; at least stepWeight. Absent = 100."),
  interval: duration()
    .optional()
    .describe('Shorthand (with stepWeight): how long to pause after each weight, a duration ("1m") or whole seconds. Absent = wait for `sluice promote` at each weight.'),
  canaryMetadata: podMetadataSchema
    .optional()
    .describe("Labels and annotations put on the canary's pods while it is the canary (ephemeral metadata, as Argo Rollouts'); replaced by stableMetadata when it is promoted, without a restart."),
  stableMetadata: podMetadataSchema
    .optional()
    .describe("Labels and annotations put on the stable version's pods; on promotion the new stable's pods get these in place of canaryMetadata, without a restart."),
  dynamicStableScale: z
    .boolean()
    .default(false)
    .describe("With trafficRouting only: scale the stable ReplicaSet down to its traffic share, ceil(replicas x stable weight / 100), so the rollout runs about spec.replicas pods instead of up to twice that. Default false."),
});

export const blueGreenStrategySchema = z.strictObject({
  activeService: k8sName().describe("Service that serves production traffic; sluice pins it (by the rollouts-pod-template-hash label) to the new version on promotion, and back on abort."),
  previewService: k8sName()
    .optional()
    .describe("Service that sluice pins to the new version once its pods are available, for validation before promotion; must differ from activeService."),
  autoPromotionEnabled: z
    .boolean()
    .default(true)
    .describe("Promote by itself once the new version is ready (and prePromotionAnalysis passed); false = wait for `sluice promote`. Default true."),
  autoPromotionSeconds: intRange(0)
    .optional()
    .describe("With auto promotion: seconds to wait after the new version is ready before switching the active Service. Absent or 0 = switch at once."),
  previewReplicaCount: intRange(0)
    .optional()
    .describe("Replicas of the new version before promotion; it is scaled to spec.replicas for the switch. Absent = spec.replicas."),
  maxUnavailable: intOrPercent()
    .default(0)
    .describe("Pods of spec.replicas (a number or a percentage, rounded down) that may be unavailable when the active Service switches, to the new version or back on abort. Default 0."),
  scaleDownDelaySeconds: intRange(0)
    .default(30)
    .describe("Seconds the old version keeps running after the active Service switched to the new one. Default 30."),
  abortScaleDownDelaySeconds: intRange(0)
    .default(30)
    .describe("Seconds the preview (new version) keeps running after an abort. Default 30."),
  prePromotionAnalysis: rolloutAnalysisSchema
    .optional()
    .describe("Analysis run against the preview before the switch: Successful lets the promotion go on, Failed or Error aborts, Inconclusive pauses."),
  postPromotionAnalysis: rolloutAnalysisSchema
    .optional()
    .describe("Analysis run after the switch; a failure switches the active Service back to the previous version."),
  previewMetadata: podMetadataSchema
    .optional()
    .describe("Labels and annotations put on the new version's pods while it is in preview (ephemeral metadata); replaced by activeMetadata when it is promoted."),
  activeMetadata: podMetadataSchema
    .optional()
    .describe("Labels and annotations put on the active version's pods; on promotion the new version's pods get these in place of previewMetadata, without a restart."),
});

export const strategySchema = exactlyOneOf({
  canary: canaryStrategySchema
    .optional()
    .describe("Canary: shift traffic (or replicas) to the new version step by step, with analysis between the steps."),
  blueGreen: blueGreenStrategySchema
    .optional()
    .describe("Blue-green: run the new version beside the active one behind a preview Service, then switch the active Service to it at once."),
});

/** How many finished AnalysisRuns of earlier revisions to keep (Argo's spec.analysis; the runs in use are always kept). */
export const runHistorySchema = z.strictObject({
  successfulRunHistoryLimit: intRange(0)
    .default(5)
    .describe("Finished AnalysisRuns of earlier revisions that passed to keep; older ones are deleted. Default 5."),
  unsuccessfulRunHistoryLimit: intRange(0)
    .default(5)
    .describe("Finished AnalysisRuns of earlier revisions that failed, errored, were inconclusive or were stopped early (an abort) to keep; older ones are deleted. Default 5."),
});

export const rolloutSpecSchema = z.strictObject({
  replicas: intRange(0).default(1).describe("Desired number of pods of the stable version. Default 1."),
  selector: labelSelector().describe("Label selector of the Rollout's pods; must match spec.template.metadata.labels (or the labels of the workloadRef Deployment's template)."),
  template: podTemplateSchema
    .optional()
    .describe("The pod template (a core/v1 PodTemplateSpec): the revision that is rolled out. Required unless workloadRef; every pod field is kept as given."),
  workloadRef: workloadRefSchema
    .optional()
    .describe("Take the pod template from an existing Deployment instead of spec.template (not with it), as Argo Rollouts does; a change to the Deployment's template is a new revision."),
  minReadySeconds: intRange(0)
    .default(0)
    .describe("Seconds a pod must have been Ready before it counts as available (and so before it gets traffic or a step goes on), as in Kubernetes. Default 0."),
  revisionHistoryLimit: intRange(0)
    .default(10)
    .describe("Old ReplicaSets kept (at zero replicas) for `sluice undo`. Default 10."),
  progressDeadlineSeconds: intRange(1)
    .default(600)
    .describe("Seconds a step may go without progress before the ProgressDeadlineExceeded condition is set. Default 600."),
  progressDeadlineAbort: z
    .boolean()
    .default(false)
    .describe("Abort (instead of only reporting ProgressDeadlineExceeded) when the progress deadline is exceeded. Default false."),
  paused: z
    .boolean()
    .default(false)
    .describe("Pause the rollout where it is (`sluice pause` sets it, `sluice resume` clears it). Default false."),
  analysis: runHistorySchema
    .prefault({})
    .describe("How many finished AnalysisRuns of earlier revisions to keep, as Argo Rollouts' spec.analysis; runs of the current revision and runs still measuring are never deleted."),
  strategy: strategySchema.describe("How a new revision is rolled out: exactly one of canary or blueGreen."),
}).superRefine((spec, ctx) => {
  for (const problem of rolloutSpecProblems(spec)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
});

export const rolloutPhaseSchema = z.enum(["Healthy", "Progressing", "Paused", "Degraded", "Aborted"]);

export const pauseConditionSchema = z
  .strictObject({
    reason: z
      .enum(["CanaryPauseStep", "BlueGreenPause", "InconclusiveAnalysis", "UserPause"])
      .describe("Why the rollout is held: CanaryPauseStep (a pause step), BlueGreenPause (waiting to promote), InconclusiveAnalysis or UserPause (spec.paused)."),
    startTime: z.iso.datetime().describe("When the pause began (RFC 3339)."),
    gate: z
      .string()
      .optional()
      .describe('The gate this pause holds ("<revision>/step-3", "<revision>/promotion"); `sluice promote` releases it by this name.'),
  })
  .describe("One reason the rollout is paused.");

const trafficWeightsSchema = z.strictObject({
  canary: weight().describe("Percentage of traffic (0-100) on the canary."),
  stable: weight().describe("Percentage of traffic (0-100) on the stable version."),
});

export const rolloutStatusSchema = z.strictObject({
  phase: rolloutPhaseSchema
    .optional()
    .describe("Healthy (the stable version is the current one), Progressing, Paused, Degraded (an invalid spec or an exceeded progress deadline) or Aborted."),
  message: z
    .string()
    .optional()
    .describe('One line saying why the rollout is in its phase ("paused at step 3/7: waiting for promote").'),
  observedGeneration: z
    .int()
    .optional()
    .describe("The metadata.generation of the spec the controller last acted on."),
  currentStepIndex: intRange(0)
    .optional()
    .describe("Index (0-based) of the canary step the rollout is at; equal to the number of steps once they are all done."),
  stepProgress: z.string().optional().describe('Current step / number of steps ("3/7"), for the Step printer column.'),
  currentPodHash: z
    .string()
    .optional()
    .describe("Pod-template hash of the revision being rolled out (its rollouts-pod-template-hash label)."),
  stableRS: z.string().optional().describe("Pod-template hash of the stable ReplicaSet."),
  replicas: z.int().optional().describe("Pods (desired) of all the Rollout's ReplicaSets together."),
  updatedReplicas: z.int().optional().describe("Available pods of the current revision."),
  readyReplicas: z.int().optional().describe("Pods of all the Rollout's ReplicaSets that are Ready."),
  availableReplicas: z.int().optional().describe("Pods of all the Rollout's ReplicaSets that have been Ready for at least minReadySeconds."),
  selector: z
    .string()
    .optional()
    .describe('spec.selector in string form ("app=checkout"), for the scale subresource (kubectl scale, HorizontalPodAutoscaler).'),
  canary: z
    .strictObject({
      weights: trafficWeightsSchema
        .optional()
        .describe("Traffic weights as read back from the router (without a router: the available pods' ratio)."),
      currentStepAnalysisRun: z.string().optional().describe("Name of the AnalysisRun of the current analysis step."),
      currentBackgroundAnalysisRun: z.string().optional().describe("Name of the background AnalysisRun (spec.strategy.canary.analysis)."),
    })
    .optional()
    .describe("Canary state: the weights read back and the AnalysisRuns in use."),
  blueGreen: z
    .strictObject({
      activeSelector: z.string().optional().describe("Pod-template hash the active Service selects."),
      previewSelector: z.string().optional().describe("Pod-template hash the preview Service selects."),
      prePromotionAnalysisRun: z.string().optional().describe("Name of the pre-promotion AnalysisRun."),
      postPromotionAnalysisRun: z.string().optional().describe("Name of the post-promotion AnalysisRun."),
    })
    .optional()
    .describe("Blue-green state: what the Services select and the AnalysisRuns in use."),
  pauseConditions: z
    .array(pauseConditionSchema)
    .optional()
    .describe("Why the rollout is paused, one entry per reason (a pause step, an inconclusive analysis, a user pause)."),
  controllerPause: z
    .boolean()
    .optional()
    .describe("True while a pause the controller set holds (any pause condition but UserPause), as Argo Rollouts' field."),
  releasedGates: z
    .array(z.string())
    .optional()
    .describe("Gates `sluice promote` released for the current revision, one per promote."),
  abort: z
    .boolean()
    .optional()
    .describe("True once the current revision is aborted, by `sluice abort` or by the controller (a failed analysis, progressDeadlineAbort): all traffic goes back to the stable version. `sluice retry` clears it."),
  abortedAt: z.iso.datetime().optional().describe("When the controller aborted the current revision (RFC 3339)."),
  promoteFull: z
    .boolean()
    .optional()
    .describe("Set by `sluice promote --full`: skip every remaining step and analysis and promote the current revision."),
  restartedAt: z.iso
    .datetime()
    .optional()
    .describe("Reserved (Argo Rollouts' field); sluice does not write it: `sluice restart` sets the kubectl.kubernetes.io/restartedAt annotation on spec.template instead."),
  servingSince: z.iso
    .datetime()
    .optional()
    .describe("When the current revision (this attempt of it) was first seen serving production traffic (RFC 3339): a canary weight read back above 0 on the canary's pods (without a router, a canary pod available), or the active Service selecting it. Set once; a new revision or a retry clears it. Its setting is the rollout-started notification."),
  retryCount: z
    .int()
    .min(0)
    .optional()
    .describe("Times `sluice retry` restarted an aborted revision; part of AnalysisRun names, so a retry never reuses a failed run."),
  conditions: z
    .array(condition())
    .optional()
    .describe("Conditions of the rollout: Progressing, Available, Paused, Healthy, InvalidSpec, ProgressDeadlineExceeded and TrafficRouting."),
});

export const rolloutSchema = sluiceKind("Rollout", rolloutSpecSchema.describe("The desired state: the pods, and how a new revision of them is rolled out."))
  .extend({ status: rolloutStatusSchema.optional().describe("The observed state, written by the controller; every fact its next decision needs is here, so a restarted controller resumes exactly.") })
  .describe("A Rollout runs an application's pods like a Deployment and rolls out each new revision progressively (canary or blue-green), with analysis deciding whether it goes on.");

export type Rollout = z.infer<typeof rolloutSchema>;
export type RolloutInput = z.input<typeof rolloutSchema>;
export type RolloutSpec = z.infer<typeof rolloutSpecSchema>;
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;
export type RolloutPhase = z.infer<typeof rolloutPhaseSchema>;
export type CanaryStrategy = z.infer<typeof canaryStrategySchema>;
export type BlueGreenStrategy = z.infer<typeof blueGreenStrategySchema>;
export type PodMetadata = z.infer<typeof podMetadataSchema>;
