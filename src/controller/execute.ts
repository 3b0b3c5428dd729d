/**
 * execute(): carry out a Plan's actions in order, each an idempotent write (create-if-absent, patch to a
 * desired value). The first failure stops the plan: later actions assume earlier ones happened (traffic
 * to stable before canary pods go), so they must not run out of order. The caller retries with backoff.
 */
import { POD_TEMPLATE_HASH_LABEL } from "../api/group.ts";
import type { Rollout } from "../api/rollout.ts";
import type { Action, Plan } from "../core/plan.ts";
import { EventRecorder } from "../kube/events.ts";
import { FencedError } from "../kube/fenced-kube.ts";
import { ConflictError, type KubeClient } from "../kube/kube-client.ts";
import type { TrafficRouter } from "../routers/types.ts";
import { buildAnalysisRun } from "./build/analysis-run.ts";
import { buildReplicaSet } from "./build/replica-set.ts";
import { runShare } from "./build/run-share.ts";
import type { ClusterView } from "./cluster-view.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "./labels.ts";
import { templateSpec } from "./observe.ts";
import { setPodMetadata } from "./pod-metadata.ts";

export type ExecuteDeps = { kube: KubeClient; view: ClusterView; router: TrafficRouter | undefined; events: EventRecorder };

export class ActionFailedError extends Error {
  readonly action: Action;
  constructor(action: Action, reason: string) {
    super(`${action.kind} failed: ${reason}`);
    this.name = "ActionFailedError";
    this.action = action;
  }
}

async function createIfAbsent(kube: KubeClient, object: Parameters<KubeClient["create"]>[0]): Promise<void> {
  try {
    await kube.create(object);
  } catch (error) {
    // 409 AlreadyExists: created by an earlier, interrupted reconcile; the deterministic name makes this safe.
    if (error instanceof ConflictError) return;
    throw error;
  }
}

async function run(rollout: Rollout, action: Action, deps: ExecuteDeps, plan: Plan): Promise<void> {
  const namespace = rollout.metadata.namespace ?? "default";
  const rsRef = (name: string) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", namespace, name });
  switch (action.kind) {
    case "CreateReplicaSet":
      return createIfAbsent(deps.kube, buildReplicaSet(rollout, action.podHash, action.replicas, action.revision, action.podMetadata));
    case "SetPodMetadata":
      return setPodMetadata(deps.kube, rollout, action, plan);
    case "ScaleReplicaSet":
      // A scale-down names the version it was decided on: on a stale cache it fails with 409 and is decided again.
      await deps.kube.mergePatch(rsRef(action.name), { ...(action.ifVersion ? { metadata: { resourceVersion: action.ifVersion } } : {}), spec: { replicas: action.replicas } });
      return;
    case "SetMinReadySeconds":
      await deps.kube.mergePatch(rsRef(action.name), { spec: { minReadySeconds: action.seconds } });
      return;
    case "SetScaleDownDeadline":
      await deps.kube.mergePatch(rsRef(action.name), { metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: action.deadline } } });
      return;
    case "DeleteReplicaSet":
      return deps.kube.delete(rsRef(action.name));
    case "PinService":
      await deps.kube.mergePatch({ apiVersion: "v1", kind: "Service", namespace, name: action.service }, { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: action.podHash } } });
      return;
    case "ScaleWorkload":
      await deps.kube.mergePatch({ apiVersion: "apps/v1", kind: "Deployment", namespace, name: action.name }, { spec: { replicas: action.replicas } });
      return;
    case "Route": {
      if (!deps.router) throw new Error("the plan routes traffic but the Rollout has no router");
      // By subset the action names the hashes decide() checked the plan with; otherwise the status's.
      const stablePodHash = action.subsets ? action.subsets.stable : plan.status.stableRS;
      const canaryPodHash = action.subsets ? action.subsets.canary : plan.status.currentPodHash;
      const problem = await deps.router.apply(rollout, action.want, { ...(stablePodHash ? { stablePodHash } : {}), ...(canaryPodHash ? { canaryPodHash } : {}) });
      if (problem) throw new Error(problem.message);
      return;
    }
    case "StartAnalysis": {
      const templates = action.analysis.templates.map((ref) => {
        const spec = templateSpec(deps.view, namespace, ref.templateName, ref.clusterScope);
        if (!spec) throw new Error(`${ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"} "${ref.templateName}" not found`);
        return spec;
      });
      // Every gate's templates, not only this run's: the share depends on how many gates judge.
      const share = runShare(rollout, (ref) => templateSpec(deps.view, namespace, ref.templateName, ref.clusterScope));
      return createIfAbsent(deps.kube, buildAnalysisRun(rollout, action, templates, share));
    }
    case "StopAnalysis":
      await deps.kube.mergePatch({ apiVersion: rollout.apiVersion, kind: "AnalysisRun", namespace, name: action.name }, { spec: { terminate: true } });
      return;
    case "DeleteAnalysisRun":
      return deps.kube.delete({ apiVersion: rollout.apiVersion, kind: "AnalysisRun", namespace, name: action.name });
    case "Event":
      return deps.events.record(
        { apiVersion: rollout.apiVersion, kind: rollout.kind, namespace, name: rollout.metadata.name ?? "", uid: rollout.metadata.uid },
        action.type,
        action.reason,
        action.message,
      );
  }
}

export async function execute(rollout: Rollout, plan: Plan, deps: ExecuteDeps): Promise<void> {
  for (const action of plan.actions) {
    try {
      await run(rollout, action, deps, plan);
    } catch (error) {
      if (error instanceof FencedError) throw error; // no longer ours to write: stop, unwrapped, not retried
      if (action.kind === "Event") continue; // an Event that cannot be written must not hold the rollout
      throw new ActionFailedError(action, error instanceof Error ? error.message : String(error));
    }
  }
}

