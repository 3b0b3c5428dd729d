/** The output of decide(): actions for execute() to carry out in order, the status to write, when to look again. */
import type { RolloutAnalysis } from "../api/analysis-refs.ts";
import type { PodMetadata, RolloutStatus } from "../api/rollout.ts";
import type { ObservedSubsets } from "./observed.ts";
import type { DesiredRouting } from "./routing.ts";

export type AnalysisRole = "step" | "background" | "prePromotion" | "postPromotion";

export type Action =
  /** podMetadata: the ephemeral labels/annotations of the role the new ReplicaSet starts in (canary, stable, ...). */
  | { kind: "CreateReplicaSet"; podHash: string; replicas: number; revision: number; podMetadata?: PodMetadata | undefined }
  /**
   * Swap a ReplicaSet's ephemeral pod metadata from `previous` (what it carries) to `metadata`: on its pod
   * template and on its running pods in place, so no pod restarts and the pod-template hash stays.
   */
  | { kind: "SetPodMetadata"; name: string; podHash: string; metadata: PodMetadata; previous: PodMetadata }
  /**
   * ifVersion: a scale-down is decided on the ReplicaSet as observed (its available pods); the write carries
   * that resourceVersion as a precondition, so a decision made on a stale cache fails with 409 instead of
   * removing pods that have become the ones serving.
   */
  | { kind: "ScaleReplicaSet"; name: string; replicas: number; ifVersion?: string | undefined }
  /** Bring a ReplicaSet's spec.minReadySeconds in step with the Rollout's (not a new revision, as in Argo Rollouts). */
  | { kind: "SetMinReadySeconds"; name: string; seconds: number }
  /** Record (or clear, with null) when a ReplicaSet is due to scale to zero; stored on the object so restarts keep it. */
  | { kind: "SetScaleDownDeadline"; name: string; deadline: string | null }
  | { kind: "DeleteReplicaSet"; name: string }
  /** subsets: routing by DestinationRule subsets, the hashes the router pins them to before it weights (src/core/subsets.ts). */
  | { kind: "Route"; want: DesiredRouting; subsets?: ObservedSubsets | undefined }
  | { kind: "PinService"; service: string; podHash: string }
  /** spec.workloadRef's scaleDown: the Deployment the Rollout took its template from, down to `replicas`. */
  | { kind: "ScaleWorkload"; name: string; replicas: number }
  | {
      kind: "StartAnalysis";
      name: string;
      role: AnalysisRole;
      analysis: RolloutAnalysis;
      /** Hashes for podTemplateHashValue: Latest (the new version) and Stable. */
      latestPodHash: string;
      stablePodHash: string | undefined;
    }
  | { kind: "StopAnalysis"; name: string }
  /** A finished run of an earlier revision beyond spec.analysis's history limits. */
  | { kind: "DeleteAnalysisRun"; name: string }
  /** details: the same facts as the message, as data, for readers other than people (notifications). */
  | { kind: "Event"; type: "Normal" | "Warning"; reason: string; message: string; details?: EventDetails | undefined };

/** A metric that failed (or errored) a run: its latest value as stored, and the condition it was judged by, as text. */
export type FailedMetric = { metric: string; value: string | undefined; condition: string | undefined };

/** A canary step an Event reports done (1-based, as `sluice get` numbers it), and its words. */
export type CompletedStep = { step: number; message: string };

export type EventDetails = {
  /**
   * The steps the Event reports done, in order: a StepCompleted's own, and those decideThrough joined in front
   * of the Event of what came next (src/core/decide-through.ts).
   */
  completedSteps?: CompletedStep[] | undefined;
  /** With completedSteps: what the Event says besides them ("" for a StepCompleted alone). */
  rest?: string | undefined;
  /** An abort by an analysis: the run and the metrics that failed or errored it. */
  failedAnalysis?: { run: string; phase: "Failed" | "Error"; metrics: FailedMetric[] } | undefined;
};

export type Plan = {
  actions: Action[];
  status: RolloutStatus;
  /** Reconcile again after this long even if nothing changes (timed pauses, delayed scale-downs). */
  requeueAfterMs?: number | undefined;
  /** Actions held back because, after the plan's earlier actions, they would have been unsafe (src/core/plan-safety.ts). */
  deferred?: Action[] | undefined;
  /**
   * Write the status after the plan's Events and before its other actions, not after all of them: the plan acts
   * on a step its status records for the first time, and that record must be stored before anything acts on it
   * (src/core/decide-through.ts). The Events still go first, so a crash repeats one rather than losing it.
   */
  statusFirst?: boolean | undefined;
};
