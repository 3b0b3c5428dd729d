/**
 * decide(rollout, observed, now) -> Plan. The heart of sluice and pure: no I/O, no clock but `now`, so the
 * same inputs always give the same plan, and a restart at any moment is harmless (the next call observes
 * the cluster and decides again from what status holds).
 */
import type { Rollout } from "../api/rollout.ts";
import { decideBlueGreen } from "./blue-green/decide-blue-green.ts";
import { decideCanary } from "./canary/decide-canary.ts";
import { setCondition } from "./conditions.ts";
import { act, newContext, nowIso, toPlan, type DecideContext } from "./context.ts";
import { applyUserPause, forgetOtherRevisions, markControllerPause, prunePauses } from "./gates.ts";
import type { Observed } from "./observed.ts";
import type { Plan } from "./plan.ts";
import { podTemplateHash } from "./pod-template-hash.ts";
import { selectorToString } from "../api/selector.ts";
import { markInvalidSpec } from "./invalid-spec.ts";
import { keepMinReadySeconds } from "./min-ready-seconds.ts";
import { recordReplicaCounts } from "./replica-counts.ts";
import { hasTemplate, templateOf } from "./rollout-template.ts";
import { decideWorkloadScaleDown } from "./workload-scale-down.ts";
import { deleteOldAnalysisRuns } from "./analysis-history.ts";
import { decidePodMetadata } from "./pod-metadata.ts";

export function decide(rollout: Rollout, observed: Observed, now: Date): Plan {
  const ctx = decideOnce(rollout, observed, now);
  if (!deadlineAborts(ctx)) return finish(ctx);
  // Stuck past the deadline with progressDeadlineAbort: decide again as aborted, so this very plan sends
  // traffic back to stable (none of the stuck plan's actions run).
  const message = `no progress for ${rollout.spec.progressDeadlineSeconds}s: ${ctx.status.message ?? ""}`;
  const status = { ...(rollout.status ?? {}), abort: true, abortedAt: nowIso(ctx), message: `aborted: ${message}` };
  const again = decideOnce({ ...rollout, status }, observed, now);
  again.actions.unshift({ kind: "Event", type: "Warning", reason: "ProgressDeadlineExceeded", message: `${message}; aborting` });
  setCondition(again.status, "ProgressDeadlineExceeded", true, "ProgressDeadlineExceeded", message, nowIso(again));
  return finish(again);
}

/** The plan, with the replica counts of the state its actions leave (an invalid spec touches nothing, counts included). */
function finish(ctx: DecideContext): Plan {
  const plan = toPlan(ctx);
  if (ctx.observed.missingReferences.length === 0) recordReplicaCounts(ctx, plan.actions);
  return plan;
}

function decideOnce(rollout: Rollout, given: Observed, now: Date): DecideContext {
  // With workloadRef the controller copies the Deployment's template in before deciding; without it, or with
  // the Deployment missing (reported by observe), nothing may act on a revision.
  const observed =
    hasTemplate(rollout) || given.missingReferences.length > 0
      ? given
      : { ...given, missingReferences: [{ path: "spec.workloadRef", message: `the pod template of Deployment "${rollout.spec.workloadRef?.name ?? ""}" was not read yet` }] };
  const ctx = newContext(rollout, observed, now, hasTemplate(rollout) ? podTemplateHash(templateOf(rollout)) : "");
  const s = ctx.status;
  s.observedGeneration = rollout.metadata.generation;
  s.selector = selectorToString(rollout.spec.selector);

  if (observed.missingReferences.length > 0) {
    invalidReferences(ctx);
    return ctx;
  }
  setCondition(s, "InvalidSpec", false, "SpecValid", "the spec is valid", nowIso(ctx));
  applyUserPause(ctx);
  routerCondition(ctx);

  const { canary, blueGreen } = rollout.spec.strategy;
  if (canary) decideCanary(ctx, canary);
  else if (blueGreen) decideBlueGreen(ctx, blueGreen);
  keepMinReadySeconds(ctx);

  forgetOtherRevisions(ctx);
  prunePauses(ctx);
  markControllerPause(ctx);
  phaseConditions(ctx);
  decideWorkloadScaleDown(ctx);
  // After the strategy: both read the status this plan writes (the stable version, the runs in use).
  decidePodMetadata(ctx);
  deleteOldAnalysisRuns(ctx);
  return ctx;
}

/** A Service or template the spec names does not exist: say so, touch nothing, wait for it. */
function invalidReferences(ctx: DecideContext): void {
  const detail = ctx.observed.missingReferences.map((m) => `${m.path}: ${m.message}`).join("; ");
  const event = markInvalidSpec(ctx.status, "MissingReference", detail, ctx.now);
  if (event) act(ctx, { kind: "Event", ...event });
}

function routerCondition(ctx: DecideContext): void {
  const routing = ctx.observed.routing;
  if (!routing) return;
  const s = ctx.status;
  if (routing.ok) {
    setCondition(s, "TrafficRouting", true, "RouterReady", "the router reports the weights sluice set", nowIso(ctx));
    return;
  }
  const already = s.conditions?.some((c) => c.type === "TrafficRouting" && c.status === "False" && c.message === routing.problem.message);
  setCondition(s, "TrafficRouting", false, routing.problem.code, routing.problem.message, nowIso(ctx));
  if (!already) act(ctx, { kind: "Event", type: "Warning", reason: "TrafficRoutingProblem", message: routing.problem.message });
  // Nothing watches the router object for us: look again soon.
  ctx.wakeAt.push(ctx.now.getTime() + 15_000);
}

function phaseConditions(ctx: DecideContext): void {
  const s = ctx.status;
  const now = nowIso(ctx);
  const paused = s.phase === "Paused";
  setCondition(s, "Paused", paused, paused ? "RolloutPaused" : "RolloutRunning", s.message && paused ? s.message : "not paused", now);
  setCondition(s, "Healthy", s.phase === "Healthy", s.phase === "Healthy" ? "RolloutHealthy" : `Rollout${s.phase ?? "Progressing"}`, s.message ?? "all pods of the stable version are available and serve all traffic", now);
  const progressing = s.phase === "Progressing";
  setCondition(s, "Progressing", progressing || paused, progressReason(ctx), s.message ?? "rollout complete", now);
  progressDeadline(ctx);
}

/**
 * The Progressing condition's reason says whether the deadline clock runs: only RolloutProgressing (waiting for
 * pods, a router, a Service) counts. A change of reason or message restarts the clock, so time spent in an
 * analysis or a pause never counts, as in Argo Rollouts.
 */
function progressReason(ctx: DecideContext): string {
  const phase = ctx.status.phase;
  if (phase === "Aborted") return "RolloutAborted";
  if (phase === "Paused") return "RolloutPaused";
  if (phase !== "Progressing") return "RolloutCompleted";
  return ctx.waitingOnCluster ? "RolloutProgressing" : "RolloutWaiting";
}

/** Stuck: waiting for the cluster, with the same message, for longer than progressDeadlineSeconds. */
function isStuck(ctx: DecideContext): { stuck: boolean; since: number } {
  const s = ctx.status;
  const progressing = s.conditions?.find((c) => c.type === "Progressing");
  const since = Date.parse(progressing?.lastUpdateTime ?? nowIso(ctx));
  const counting = s.phase === "Progressing" && progressing?.reason === "RolloutProgressing";
  return { stuck: counting && ctx.now.getTime() - since > ctx.rollout.spec.progressDeadlineSeconds * 1000, since };
}

const deadlineAborts = (ctx: DecideContext): boolean => ctx.rollout.spec.progressDeadlineAbort && !ctx.status.abort && isStuck(ctx).stuck;

/** Reported as a condition; with progressDeadlineAbort, decide() aborts (see above), otherwise the phase is Degraded. */
function progressDeadline(ctx: DecideContext): void {
  const s = ctx.status;
  const now = nowIso(ctx);
  const deadlineMs = ctx.rollout.spec.progressDeadlineSeconds * 1000;
  const { stuck, since } = isStuck(ctx);
  const counting = s.conditions?.find((c) => c.type === "Progressing")?.reason === "RolloutProgressing";
  if (s.phase === "Progressing" && counting && !stuck) ctx.wakeAt.push(since + deadlineMs + 1000);
  const was = s.conditions?.some((c) => c.type === "ProgressDeadlineExceeded" && c.status === "True");
  const message = stuck ? `no progress for ${ctx.rollout.spec.progressDeadlineSeconds}s: ${s.message ?? ""}` : "progressing within the deadline";
  setCondition(s, "ProgressDeadlineExceeded", stuck, stuck ? "ProgressDeadlineExceeded" : "WithinDeadline", message, now);
  if (!stuck || ctx.rollout.spec.progressDeadlineAbort) return;
  if (!was) act(ctx, { kind: "Event", type: "Warning", reason: "ProgressDeadlineExceeded", message });
  s.phase = "Degraded";
  s.message = message;
}
