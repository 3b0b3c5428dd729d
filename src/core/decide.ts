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
import type { Observed } from "./observed.ts";
import { applyUserPause } from "./pauses.ts";
import type { Plan } from "./plan.ts";
import { podTemplateHash } from "./pod-template-hash.ts";
import { selectorToString } from "../api/selector.ts";

export function decide(rollout: Rollout, observed: Observed, now: Date): Plan {
  const ctx = newContext(rollout, observed, now, podTemplateHash(rollout.spec.template));
  const s = ctx.status;
  s.observedGeneration = rollout.metadata.generation;
  s.selector = selectorToString(rollout.spec.selector);

  if (observed.missingReferences.length > 0) return invalidReferences(ctx);
  setCondition(s, "InvalidSpec", false, "SpecValid", "the spec is valid", nowIso(ctx));
  applyUserPause(ctx);
  routerCondition(ctx);

  const { canary, blueGreen } = rollout.spec.strategy;
  if (canary) decideCanary(ctx, canary);
  else if (blueGreen) decideBlueGreen(ctx, blueGreen);

  replicaCounts(ctx);
  phaseConditions(ctx);
  return toPlan(ctx);
}

/** A Service or template the spec names does not exist: say so, touch nothing, wait for it. */
function invalidReferences(ctx: DecideContext): Plan {
  const s = ctx.status;
  const detail = ctx.observed.missingReferences.map((m) => `${m.path}: ${m.message}`).join("; ");
  const wasInvalid = s.conditions?.some((c) => c.type === "InvalidSpec" && c.status === "True" && c.message === detail);
  setCondition(s, "InvalidSpec", true, "MissingReference", detail, nowIso(ctx));
  s.phase = "Degraded";
  s.message = `invalid spec: ${detail}`;
  if (!wasInvalid) act(ctx, { kind: "Event", type: "Warning", reason: "InvalidSpec", message: detail });
  return toPlan(ctx);
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

function replicaCounts(ctx: DecideContext): void {
  const s = ctx.status;
  const sets = ctx.observed.replicaSets;
  s.replicas = sets.reduce((n, rs) => n + rs.replicas, 0);
  s.readyReplicas = sets.reduce((n, rs) => n + rs.readyReplicas, 0);
  s.availableReplicas = sets.reduce((n, rs) => n + rs.availableReplicas, 0);
  s.updatedReplicas = sets.find((rs) => rs.podHash === ctx.currentHash)?.availableReplicas ?? 0;
}

function phaseConditions(ctx: DecideContext): void {
  const s = ctx.status;
  const now = nowIso(ctx);
  const paused = s.phase === "Paused";
  setCondition(s, "Paused", paused, paused ? "RolloutPaused" : "RolloutRunning", s.message && paused ? s.message : "not paused", now);
  setCondition(s, "Healthy", s.phase === "Healthy", s.phase === "Healthy" ? "RolloutHealthy" : `Rollout${s.phase ?? "Progressing"}`, s.message ?? "all pods of the stable version are available and serve all traffic", now);
  const stable = ctx.observed.replicaSets.find((rs) => rs.podHash === s.stableRS);
  const available = (stable?.availableReplicas ?? 0) >= ctx.rollout.spec.replicas;
  setCondition(s, "Available", available, available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", `${stable?.availableReplicas ?? 0}/${ctx.rollout.spec.replicas} stable pods available`, now);
  const progressing = s.phase === "Progressing";
  setCondition(s, "Progressing", progressing || paused, s.phase === "Aborted" ? "RolloutAborted" : progressing ? "RolloutProgressing" : paused ? "RolloutPaused" : "RolloutCompleted", s.message ?? "rollout complete", now);
  progressDeadline(ctx);
}

/**
 * Progress = the Progressing condition's message changing (step, pod counts, router state). Stuck longer than
 * progressDeadlineSeconds while Progressing is reported, and aborts with progressDeadlineAbort.
 */
function progressDeadline(ctx: DecideContext): void {
  const s = ctx.status;
  const now = nowIso(ctx);
  const deadlineMs = ctx.rollout.spec.progressDeadlineSeconds * 1000;
  const progressing = s.conditions?.find((c) => c.type === "Progressing");
  const since = Date.parse(progressing?.lastUpdateTime ?? now);
  const stuck = s.phase === "Progressing" && ctx.now.getTime() - since > deadlineMs;
  if (s.phase === "Progressing" && !stuck) ctx.wakeAt.push(since + deadlineMs + 1000);
  const was = s.conditions?.some((c) => c.type === "ProgressDeadlineExceeded" && c.status === "True");
  const message = stuck ? `no progress for ${ctx.rollout.spec.progressDeadlineSeconds}s: ${s.message ?? ""}` : "progressing within the deadline";
  setCondition(s, "ProgressDeadlineExceeded", stuck, stuck ? "ProgressDeadlineExceeded" : "WithinDeadline", message, now);
  if (!stuck) return;
  if (!was) act(ctx, { kind: "Event", type: "Warning", reason: "ProgressDeadlineExceeded", message });
  if (ctx.rollout.spec.progressDeadlineAbort) {
    // The abort itself (traffic back to stable first) happens on the next reconcile, right away.
    s.abort = true;
    s.abortedAt = now;
    s.message = `aborted: ${message}`;
    ctx.wakeAt.push(ctx.now.getTime());
  } else {
    s.phase = "Degraded";
    s.message = message;
  }
}
