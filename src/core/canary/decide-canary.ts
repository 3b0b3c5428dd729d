/**
 * The canary step machine. Each call looks at where the rollout is (status) and what the cluster does
 * (observed), completes every step whose effect is already observed, and asks for the actions of the
 * first step that is not done yet. Nothing here waits or reads the clock except through ctx.now.
 */
import { effectiveSteps } from "../../api/canary-steps.ts";
import type { CanaryStrategy } from "../../api/rollout.ts";
import type { CanaryStep } from "../../api/steps.ts";
import { analysisGate } from "../analysis-gate.ts";
import { analysisRunName, stopAnalysesExcept } from "../analysis-runs.ts";
import { act, nowIso, replicaSetFor, wakeAt, type DecideContext } from "../context.ts";
import { durationMsOf } from "../durations.ts";
import { endControllerPauses, pauseState, startPause } from "../pauses.ts";
import { ensureReplicas, isAvailable, retireOthers, scaleDownAfter } from "../replica-sets.ts";
import { retryIfRequested, startRevisionIfNew } from "../revision-start.ts";
import { pinService, servicePinnedTo } from "../services.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../routing.ts";
import { describeStep } from "../step-description.ts";
import { canaryReplicasForWeight, replicaRatio, weightFromPods } from "../weights.ts";
import { canaryScaleThrough, routingThrough } from "./steps-so-far.ts";

type Targets = { canaryReplicas: number; stableReplicas: number; routing: DesiredRouting };

function targetsAt(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[], index: number): Targets {
  const total = ctx.rollout.spec.replicas;
  const routing = routingThrough(steps, index);
  if (!canary.trafficRouting) {
    const split = replicaRatio(total, routing.canaryWeight);
    return { canaryReplicas: split.canary, stableReplicas: split.stable, routing };
  }
  const override = canaryScaleThrough(steps, index);
  let canaryReplicas = canaryReplicasForWeight(total, routing.canaryWeight);
  if (override && "replicas" in override) canaryReplicas = override.replicas;
  else if (override && "weight" in override) canaryReplicas = canaryReplicasForWeight(total, override.weight);
  // A header or mirror route needs somewhere to send requests even at weight 0.
  if (canaryReplicas === 0 && (routing.headerRoutes.length > 0 || routing.mirrorRoutes.length > 0)) canaryReplicas = 1;
  return { canaryReplicas, stableReplicas: total, routing };
}

/** The router reports exactly `want` (always true without a router). */
function routedAs(ctx: DecideContext, canary: CanaryStrategy, want: DesiredRouting): boolean {
  if (!canary.trafficRouting) return true;
  const seen = ctx.observed.routing;
  return (
    seen !== undefined &&
    seen.ok &&
    seen.canaryWeight === want.canaryWeight &&
    // Routers name managed routes their own way (one per weighted rule, say), so compare presence, not names.
    seen.managedRoutes.length > 0 === want.headerRoutes.length + want.mirrorRoutes.length > 0
  );
}

function route(ctx: DecideContext, canary: CanaryStrategy, want: DesiredRouting): void {
  if (!canary.trafficRouting || routedAs(ctx, canary, want)) return;
  if (ctx.observed.routing && !ctx.observed.routing.ok) return; // the problem is reported; traffic stays where it is
  act(ctx, { kind: "Route", want });
}

function recordWeights(ctx: DecideContext, canary: CanaryStrategy, stableHash: string | undefined): void {
  let canaryWeight: number;
  if (canary.trafficRouting) {
    const seen = ctx.observed.routing;
    if (!seen?.ok) return; // unknown: keep the last weights we saw
    canaryWeight = seen.canaryWeight;
  } else {
    const c = ctx.currentHash === stableHash ? 0 : replicaSetFor(ctx, ctx.currentHash)?.availableReplicas ?? 0;
    canaryWeight = weightFromPods(c, replicaSetFor(ctx, stableHash)?.availableReplicas ?? 0);
  }
  ctx.status.canary = { ...ctx.status.canary, weights: { canary: canaryWeight, stable: 100 - canaryWeight } };
}

function settled(ctx: DecideContext, canary: CanaryStrategy, t: Targets, stableHash: string): boolean {
  return (
    isAvailable(ctx, ctx.currentHash, t.canaryReplicas) &&
    isAvailable(ctx, stableHash, t.stableReplicas) &&
    servicePinnedTo(ctx, canary.canaryService, ctx.currentHash) &&
    routedAs(ctx, canary, t.routing)
  );
}

/** Ask for the state of step `index`: pods first, traffic only to pods that are ready. */
function applyTargets(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[], index: number, stableHash: string): string {
  const t = targetsAt(ctx, canary, steps, index);
  const canaryReady = ensureReplicas(ctx, ctx.currentHash, t.canaryReplicas);
  // Without a router, stable pods only go away once the canary pods that replace them are ready.
  const stableTarget = canaryReady ? t.stableReplicas : Math.max(t.stableReplicas, replicaSetFor(ctx, stableHash)?.replicas ?? 0);
  const stableReady = ensureReplicas(ctx, stableHash, stableTarget);
  const previous = targetsAt(ctx, canary, steps, index - 1).routing;
  route(ctx, canary, canaryReady ? t.routing : { ...previous, canaryWeight: Math.min(previous.canaryWeight, t.routing.canaryWeight) });
  pinService(ctx, canary.canaryService, ctx.currentHash);
  if (!canaryReady) {
    const rs = replicaSetFor(ctx, ctx.currentHash);
    return `waiting for canary pods: ${rs?.availableReplicas ?? 0}/${t.canaryReplicas} available`;
  }
  if (!stableReady) return `waiting for stable pods: ${replicaSetFor(ctx, stableHash)?.availableReplicas ?? 0}/${t.stableReplicas} available`;
  if (ctx.observed.routing && !ctx.observed.routing.ok) return `waiting for the router: ${ctx.observed.routing.problem.message}`;
  if (!routedAs(ctx, canary, t.routing)) return `waiting for the router to send ${t.routing.canaryWeight}% to the canary`;
  return "";
}

function stepLabel(index: number, steps: CanaryStep[]): string {
  const step = steps[index];
  return step ? `step ${index + 1}/${steps.length} (${describeStep(step)})` : "promotion";
}

type StepResult = { done: true } | { done: false; phase: "Progressing" | "Paused"; message: string };

/** Run step `index`, whose pods and routing are already in place. */
function runStep(ctx: DecideContext, steps: CanaryStep[], index: number): StepResult {
  const step = steps[index];
  const label = stepLabel(index, steps);
  if (!step) return { done: true };
  if (step.pause) {
    const pause = pauseState(ctx, "CanaryPauseStep");
    if (pause.state === "promoted") return { done: true };
    const since = pause.state === "paused" ? pause.since : startPause(ctx, "CanaryPauseStep");
    if (pause.state === "none") act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPaused", message: `paused at ${label}` });
    const ms = durationMsOf(step.pause.duration);
    if (ms === undefined) return { done: false, phase: "Paused", message: `paused at step ${index + 1}/${steps.length}: waiting for promote` };
    const end = since + ms;
    if (ctx.now.getTime() >= end) return { done: true };
    wakeAt(ctx, end);
    return { done: false, phase: "Paused", message: `paused at step ${index + 1}/${steps.length}: ${describeStep(step)}, until ${new Date(end).toISOString().replace(/\.\d{3}Z$/, "Z")}` };
  }
  if (step.analysis) {
    const name = analysisRunName(ctx, "step", index);
    ctx.status.canary = { ...ctx.status.canary, currentStepAnalysisRun: name };
    const gate = analysisGate(ctx, name, "step", step.analysis, "analysis");
    if (gate.open) return { done: true };
    const paused = gate.phase === "Paused";
    return { done: false, phase: gate.phase, message: paused ? `paused at step ${index + 1}/${steps.length}: ${gate.message}` : `${label}: ${gate.message}` };
  }
  return { done: true }; // setWeight, setCanaryScale, header and mirror routes: done once settled
}

/** Run background analysis when it applies. `held` = its inconclusive result holds the steps until promoted. */
function backgroundAnalysis(ctx: DecideContext, canary: CanaryStrategy, index: number, steps: CanaryStep[]): { runs: string[]; held: boolean } {
  const bg = canary.analysis;
  if (!bg || index < (bg.startingStep ?? 0) || index >= steps.length) return { runs: [], held: false };
  const name = analysisRunName(ctx, "background");
  ctx.status.canary = { ...ctx.status.canary, currentBackgroundAnalysisRun: name };
  const gate = analysisGate(ctx, name, "background", bg, "background analysis");
  return { runs: [name], held: !gate.open && gate.phase === "Paused" };
}

/** The template is the stable one: one ReplicaSet, all traffic on it, everything else retired. */
function steady(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[]): void {
  const hash = ctx.currentHash;
  const total = ctx.rollout.spec.replicas;
  const ready = ensureReplicas(ctx, hash, total);
  pinService(ctx, canary.stableService, hash);
  pinService(ctx, canary.canaryService, hash);
  route(ctx, canary, ALL_TO_STABLE);
  stopAnalysesExcept(ctx, []);
  retireOthers(ctx, [hash], canary.trafficRouting ? canary.scaleDownDelaySeconds : 0);
  const s = ctx.status;
  s.stableRS = hash;
  s.currentPodHash = hash;
  s.currentStepIndex = steps.length;
  s.abort = undefined;
  s.abortedAt = undefined;
  s.promoteFull = undefined;
  endControllerPauses(ctx);
  s.canary = { weights: s.canary?.weights };
  recordWeights(ctx, canary, hash);
  const routed = routedAs(ctx, canary, ALL_TO_STABLE);
  if (ready && routed) {
    s.phase = "Healthy";
    s.message = undefined;
  } else {
    s.phase = "Progressing";
    const rs = replicaSetFor(ctx, hash);
    s.message = !ready ? `waiting for pods: ${rs?.availableReplicas ?? 0}/${total} available` : "waiting for the router to send all traffic to stable";
  }
}

function aborted(ctx: DecideContext, canary: CanaryStrategy, stableHash: string): void {
  const total = ctx.rollout.spec.replicas;
  route(ctx, canary, ALL_TO_STABLE);
  stopAnalysesExcept(ctx, []);
  const stableReady = ensureReplicas(ctx, stableHash, total);
  pinService(ctx, canary.stableService, stableHash);
  // Abort means stable gets all traffic first; only then do canary pods go (after the delay, with a router).
  if (routedAs(ctx, canary, ALL_TO_STABLE) && stableReady) {
    scaleDownAfter(ctx, ctx.currentHash, canary.trafficRouting ? canary.abortScaleDownDelaySeconds : 0);
  }
  endControllerPauses(ctx);
  recordWeights(ctx, canary, stableHash);
  ctx.status.phase = "Aborted";
  if (!ctx.status.message?.startsWith("aborted")) ctx.status.message = "aborted by user; `sluice retry` runs this revision again";
}

export function decideCanary(ctx: DecideContext, canary: CanaryStrategy): void {
  const steps = effectiveSteps(canary);
  const s = ctx.status;
  const stableHash = s.stableRS;
  if (stableHash === undefined || stableHash === ctx.currentHash) return steady(ctx, canary, steps);

  startRevisionIfNew(ctx, stableHash, `starting ${steps.length} step(s)`);
  retryIfRequested(ctx);
  // Intermediate revisions (neither stable nor current) go at once: they get no traffic.
  retireOthers(ctx, [stableHash, ctx.currentHash], 0);

  if (s.abort) {
    s.abortedAt ??= nowIso(ctx);
    return aborted(ctx, canary, stableHash);
  }
  recordWeights(ctx, canary, stableHash);
  if (ctx.rollout.spec.paused) {
    s.phase = "Paused";
    s.message = `paused by the user at ${stepLabel(s.currentStepIndex ?? 0, steps)}; \`sluice resume\` continues`;
    return;
  }

  pinService(ctx, canary.stableService, stableHash);
  let index = s.promoteFull ? steps.length : Math.min(s.currentStepIndex ?? 0, steps.length);

  // Background analysis first: its failure aborts and its inconclusive result holds every step.
  const background = backgroundAnalysis(ctx, canary, index, steps);
  if (s.abort) return aborted(ctx, canary, stableHash);
  const heldByBackground = background.held;

  let blocked: StepResult | undefined;
  let completed = false;
  if (index < steps.length && !heldByBackground && settled(ctx, canary, targetsAt(ctx, canary, steps, index), stableHash)) {
    const result = runStep(ctx, steps, index);
    if (s.abort) return aborted(ctx, canary, stableHash);
    if (result.done) {
      endControllerPauses(ctx);
      act(ctx, { kind: "Event", type: "Normal", reason: "StepCompleted", message: `completed ${stepLabel(index, steps)}` });
      index++;
      completed = true;
    } else blocked = result;
  }
  s.currentStepIndex = index;
  s.stepProgress = `${Math.min(index + 1, steps.length)}/${steps.length}`;
  const stepRun = index < steps.length && steps[index]?.analysis ? [analysisRunName(ctx, "step", index)] : [];
  if (stepRun.length === 0 && s.canary) s.canary.currentStepAnalysisRun = undefined;
  stopAnalysesExcept(ctx, [...background.runs, ...stepRun]);
  if (completed) {
    // Record the new step before acting on it: were the controller killed after acting but before the
    // status write, the next one would take the rollout back a step (and traffic with it).
    s.phase = "Progressing";
    s.message = index < steps.length ? `${stepLabel(index, steps)}: starting` : "all steps done: promoting";
    wakeAt(ctx, ctx.now.getTime());
    return;
  }

  if (index >= steps.length) return promote(ctx, canary, steps, stableHash);
  const detail = applyTargets(ctx, canary, steps, index, stableHash);
  const ratioNote = canary.trafficRouting ? undefined : replicaRatio(ctx.rollout.spec.replicas, routingThrough(steps, index).canaryWeight).note;
  if (heldByBackground) {
    s.phase = "Paused";
    s.message = `paused at ${stepLabel(index, steps)}: background analysis inconclusive; promote to go on or abort`;
  } else if (blocked && !blocked.done) {
    s.phase = blocked.phase;
    s.message = blocked.message;
  } else {
    s.phase = "Progressing";
    s.message = `${stepLabel(index, steps)}: ${detail || "in progress"}`;
  }
  if (ratioNote) s.message = `${s.message} (${ratioNote})`;
}

/** After the last step: the canary takes all traffic, becomes stable, and the old version is retired. */
function promote(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[], stableHash: string): void {
  const total = ctx.rollout.spec.replicas;
  const s = ctx.status;
  s.stepProgress = `${steps.length}/${steps.length}`;
  const full = ensureReplicas(ctx, ctx.currentHash, total);
  if (canary.trafficRouting) ensureReplicas(ctx, stableHash, total);
  pinService(ctx, canary.canaryService, ctx.currentHash);
  s.phase = "Progressing";
  if (!full) {
    s.message = `promoting: waiting for ${total} canary pods (${replicaSetFor(ctx, ctx.currentHash)?.availableReplicas ?? 0} available)`;
    return;
  }
  if (canary.trafficRouting) {
    const allToCanary = { canaryWeight: 100, headerRoutes: [], mirrorRoutes: [] };
    route(ctx, canary, allToCanary);
    if (!routedAs(ctx, canary, allToCanary)) {
      s.message = "promoting: waiting for the router to send all traffic to the new version";
      return;
    }
    // Only now may the stable Service move: every request already goes to the new pods.
    pinService(ctx, canary.stableService, ctx.currentHash);
    if (!servicePinnedTo(ctx, canary.stableService, ctx.currentHash)) {
      s.message = `promoting: moving Service ${canary.stableService} to the new version`;
      return;
    }
  }
  act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPromoted", message: `revision ${ctx.currentHash} is now stable (was ${stableHash})` });
  // The new stable is recorded first; traffic returns to the (now new) stable Service on the next pass.
  s.stableRS = ctx.currentHash;
  s.message = "promoted: returning traffic to the stable Service";
  wakeAt(ctx, ctx.now.getTime());
}
