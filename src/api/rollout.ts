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
  /** Index of the step from which background analysis runs (0 = from the start). */
  startingStep: intRange(0).optional(),
});

/**
 * Labels and annotations for the pods of one role (canary, stable, preview, active), on top of the template's.
 * They are not part of the revision: the pod-template hash is of spec.template alone, and a promotion swaps
 * them on the running pods in place (no restart).
 */
export const podMetadataSchema = z.strictObject({
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
});

export const canaryStrategySchema = z.strictObject({
  stableService: k8sName().optional(),
  canaryService: k8sName().optional(),
  trafficRouting: trafficRoutingSchema.optional(),
  steps: z.array(canaryStepSchema).optional(),
  analysis: backgroundAnalysisSchema.optional(),
  maxSurge: intOrPercent().default("25%"),
  maxUnavailable: intOrPercent().default("25%"),
  /** Seconds the old stable ReplicaSet keeps running after promotion, while traffic shifts away from it. */
  scaleDownDelaySeconds: intRange(0).default(30),
  /** Seconds the canary keeps running after an abort (traffic is already back on stable). */
  abortScaleDownDelaySeconds: intRange(0).default(30),
  /** Flagger-style shorthand: setWeight stepWeight, 2*stepWeight, ... up to maxWeight, pausing `interval` after each. */
  stepWeight: intRange(1, 100).optional(),
  maxWeight: intRange(1, 100).optional(),
  interval: duration().optional(),
  /** On the canary's pods while it is the canary (replaced by stableMetadata when it is promoted). */
  canaryMetadata: podMetadataSchema.optional(),
  /** On the stable version's pods. */
  stableMetadata: podMetadataSchema.optional(),
  /**
   * With a router: scale the stable ReplicaSet down to its traffic share as the canary weight rises
   * (ceil(replicas x stable weight / 100)), so the rollout runs about spec.replicas pods instead of twice that.
   */
  dynamicStableScale: z.boolean().default(false),
});

export const blueGreenStrategySchema = z.strictObject({
  /** Service that serves production traffic; switched to the new version on promotion. */
  activeService: k8sName(),
  /** Service that selects the new version before promotion, for validation. */
  previewService: k8sName().optional(),
  autoPromotionEnabled: z.boolean().default(true),
  /** With auto promotion: seconds to wait after the new version is ready before switching. */
  autoPromotionSeconds: intRange(0).optional(),
  /** Replicas of the new version before promotion (default: spec.replicas). */
  previewReplicaCount: intRange(0).optional(),
  /** Pods of spec.replicas that may be unavailable when the active Service switches (to the new version, or back on abort). */
  maxUnavailable: intOrPercent().default(0),
  scaleDownDelaySeconds: intRange(0).default(30),
  abortScaleDownDelaySeconds: intRange(0).default(30),
  prePromotionAnalysis: rolloutAnalysisSchema.optional(),
  postPromotionAnalysis: rolloutAnalysisSchema.optional(),
  /** On the new version's pods while it is in preview (replaced by activeMetadata when it is promoted). */
  previewMetadata: podMetadataSchema.optional(),
  /** On the active (stable) version's pods. */
  activeMetadata: podMetadataSchema.optional(),
});

export const strategySchema = exactlyOneOf({
  canary: canaryStrategySchema.optional(),
  blueGreen: blueGreenStrategySchema.optional(),
});

/** How many finished AnalysisRuns of earlier revisions to keep (Argo's spec.analysis; the runs in use are always kept). */
export const runHistorySchema = z.strictObject({
  /** Runs that passed. */
  successfulRunHistoryLimit: intRange(0).default(5),
  /** Runs that failed, errored, were inconclusive or were stopped before they finished. */
  unsuccessfulRunHistoryLimit: intRange(0).default(5),
});

export const rolloutSpecSchema = z.strictObject({
  replicas: intRange(0).default(1),
  selector: labelSelector(),
  /** The pod template; or take it from a Deployment with workloadRef (exactly one of the two). */
  template: podTemplateSchema.optional(),
  workloadRef: workloadRefSchema.optional(),
  /** Seconds a pod must have been Ready before it counts as available (and so before it gets traffic). */
  minReadySeconds: intRange(0).default(0),
  revisionHistoryLimit: intRange(0).default(10),
  /** Seconds a step may take to make progress before the ProgressDeadlineExceeded condition is set. */
  progressDeadlineSeconds: intRange(1).default(600),
  /** Abort (instead of only reporting) when the progress deadline is exceeded. */
  progressDeadlineAbort: z.boolean().default(false),
  paused: z.boolean().default(false),
  analysis: runHistorySchema.prefault({}),
  strategy: strategySchema,
}).superRefine((spec, ctx) => {
  for (const problem of rolloutSpecProblems(spec)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
});

export const rolloutPhaseSchema = z.enum(["Healthy", "Progressing", "Paused", "Degraded", "Aborted"]);

export const pauseConditionSchema = z.strictObject({
  reason: z.enum(["CanaryPauseStep", "BlueGreenPause", "InconclusiveAnalysis", "UserPause"]),
  startTime: z.iso.datetime(),
  /** The gate this pause holds at ("<revision>/step-3", "<revision>/promotion"); `sluice promote` releases it by this name. */
  gate: z.string().optional(),
});

const trafficWeightsSchema = z.strictObject({
  canary: weight(),
  stable: weight(),
});

export const rolloutStatusSchema = z.strictObject({
  phase: rolloutPhaseSchema.optional(),
  /** One line saying why the rollout is in its phase ("paused at step 3/7: waiting for promote"). */
  message: z.string().optional(),
  observedGeneration: z.int().optional(),
  currentStepIndex: intRange(0).optional(),
  /** "3/7" for the printer column. */
  stepProgress: z.string().optional(),
  currentPodHash: z.string().optional(),
  /** Pod-template hash of the stable ReplicaSet. */
  stableRS: z.string().optional(),
  replicas: z.int().optional(),
  updatedReplicas: z.int().optional(),
  readyReplicas: z.int().optional(),
  availableReplicas: z.int().optional(),
  /** Label selector in string form, for the scale subresource (HPA). */
  selector: z.string().optional(),
  canary: z
    .strictObject({
      /** Weights as read back from the router (or achieved by replica ratio). */
      weights: trafficWeightsSchema.optional(),
      currentStepAnalysisRun: z.string().optional(),
      currentBackgroundAnalysisRun: z.string().optional(),
    })
    .optional(),
  blueGreen: z
    .strictObject({
      activeSelector: z.string().optional(),
      previewSelector: z.string().optional(),
      prePromotionAnalysisRun: z.string().optional(),
      postPromotionAnalysisRun: z.string().optional(),
    })
    .optional(),
  pauseConditions: z.array(pauseConditionSchema).optional(),
  controllerPause: z.boolean().optional(),
  /** Gates `sluice promote` released for the current revision, one per promote. */
  releasedGates: z.array(z.string()).optional(),
  abort: z.boolean().optional(),
  abortedAt: z.iso.datetime().optional(),
  promoteFull: z.boolean().optional(),
  restartedAt: z.iso.datetime().optional(),
  /**
   * When the current revision (this attempt of it) was first seen serving production traffic: a canary weight
   * read back above 0 on the canary's pods (or, without a router, a canary pod available), or the active
   * Service selecting it. Set once; a new revision or a retry clears it. Its setting is the rollout-started
   * notification ("... now serves real traffic").
   */
  servingSince: z.iso.datetime().optional(),
  /** Times `retry` restarted an aborted revision; part of AnalysisRun names so a retry never reuses a failed run. */
  retryCount: z.int().min(0).optional(),
  conditions: z.array(condition()).optional(),
});

export const rolloutSchema = sluiceKind("Rollout", rolloutSpecSchema).extend({ status: rolloutStatusSchema.optional() });

export type Rollout = z.infer<typeof rolloutSchema>;
export type RolloutInput = z.input<typeof rolloutSchema>;
export type RolloutSpec = z.infer<typeof rolloutSpecSchema>;
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;
export type RolloutPhase = z.infer<typeof rolloutPhaseSchema>;
export type CanaryStrategy = z.infer<typeof canaryStrategySchema>;
export type BlueGreenStrategy = z.infer<typeof blueGreenStrategySchema>;
export type PodMetadata = z.infer<typeof podMetadataSchema>;
