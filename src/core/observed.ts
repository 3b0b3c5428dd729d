/** What observe() read from the cluster for one Rollout: the only input of decide() besides the spec and the clock. */
import type { AnalysisPhase } from "../api/analysis-run.ts";
import type { PodMetadata } from "../api/rollout.ts";
import type { FailedMetric } from "./plan.ts";

export type ObservedReplicaSet = {
  name: string;
  podHash: string;
  /** sluice.dev/revision annotation: 1 for the first template, +1 for each new one. */
  revision: number;
  /** spec.replicas */
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** sluice.dev/scale-down-deadline annotation: when a delayed scale-down to zero is due. */
  scaleDownDeadline?: string | undefined;
  /** spec.minReadySeconds as read (undefined: not read, leave it alone). */
  minReadySeconds?: number | undefined;
  /** metadata.resourceVersion as read: the precondition of a scale-down decided on this view. */
  resourceVersion?: string | undefined;
  /** sluice.dev/ephemeral-metadata annotation: the role labels/annotations sluice last put on its pods. */
  podMetadata?: PodMetadata | undefined;
};

export type ObservedService = {
  name: string;
  /** The pod-template hash the Service's selector is pinned to, if any. */
  podHash?: string | undefined;
};

import type { RouterProblem } from "./router-problem.ts";
export type { RouterProblem };

/**
 * Routing by DestinationRule subsets (Istio): the pod-template hash each subset's labels pin it to, as read
 * back from the rule (what Istio routes by). undefined = not pinned: the subset selects every pod of the app.
 */
export type ObservedSubsets = { stable: string | undefined; canary: string | undefined };

/** What the router reports the cluster does now (absent when the rollout has no router). */
export type ObservedRouting =
  /** managedRoutes: the header/mirror routes sluice added, as named in the router's objects. subsets: when routing by subset. */
  | { ok: true; canaryWeight: number; managedRoutes: string[]; subsets?: ObservedSubsets | undefined }
  | { ok: false; problem: RouterProblem };

export type ObservedAnalysisRun = {
  name: string;
  phase: AnalysisPhase | undefined;
  message?: string | undefined;
  /** spec.terminate is set: the run was told to stop and will measure no more. */
  terminated?: boolean | undefined;
  /** metadata.creationTimestamp: the order in which old runs are let go (run history limits). */
  createdAt?: string | undefined;
  /** A Failed or Error run: its deciding metrics that failed or errored, as the runner stored them. */
  failedMetrics?: FailedMetric[] | undefined;
};

export type Observed = {
  replicaSets: ObservedReplicaSet[];
  /** Services the strategy names, by name; a missing one is reported in `missingReferences` instead. */
  services: Record<string, ObservedService>;
  routing?: ObservedRouting | undefined;
  analysisRuns: ObservedAnalysisRun[];
  /** References that do not exist (a Service, an AnalysisTemplate): the spec is invalid until they do. */
  missingReferences: { path: string; message: string }[];
  /** With spec.workloadRef: the Deployment's replica counts (its pod template is already in the Rollout). */
  workload?: ObservedWorkload | undefined;
};

export type ObservedWorkload = { name: string; replicas: number; availableReplicas: number };
