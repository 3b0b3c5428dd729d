/**
 * The canary step machine. Each call looks at where the rollout is (status) and what the cluster does
 * (observed), completes the step whose effect is already observed, and asks for the actions of the first step
 * that is not done yet. Nothing here waits or reads the clock except through ctx.now.
 *
 * Order is part of correctness, because a plan may stop after any action (a failed write, a crash): traffic
 * moves only to pods that are available, and pods go only once the router or Service that sent them traffic
 * has been read back pointing elsewhere. With a router that means: scale the canary up, pin the canary Service
 * to it, route to it; on the way back, route away, read it back, then scale down. Without a router the pods
 * are the traffic split, and maxSurge/maxUnavailable bound every scale step (src/core/scaling.ts).
 */
import { effectiveSteps } from "../../api/canary-steps.ts";
import type { CanaryStrategy } from "../../api/rollout.ts";
import type { CanaryStep } from "../../api/steps.ts";
import { analysisGate } from "../analysis-gate.ts";
import { analysisRunName, stopAnalysesExcept } from "../analysis-runs.ts";
import { act, nowIso, replicaSetFor, wakeAt, type DecideContext } from "../context.ts";
import { durationMsOf } from "../durations.ts";
import { backgroundGate, endControllerPauses, endGate, holdAt, isReleased, stepGate } from "../gates.ts";
import { deleteBeyondHistory, ensureReplicas, isAvailable, retireOthers, scaleDownAfter } from "../replica-sets.ts";
import { markServing, retryIfRequested, startRevisionIfNew } from "../revision-start.ts";
import { pinService, servicePinnedTo } from "../services.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../routing.ts";
import { describeStep } from "../step-description.ts";
import { subsetsAsWanted, wantedSubsets } from "../subsets.ts";
import { availableOf, rolloutFloor, routedHash } from "../traffic.ts";
import { canaryReplicasForWeight, replicaRatio, weightFromPods } from "../weights.ts";
import { scalePods } from "./pod-split.ts";
import { dynamicStable, sideAvailability, stableReplicasFor, withinStableCapacity } from "./stable-share.ts";
import { canaryScaleThrough, routingThrough } from "./steps-so-far.ts";
import { rfc3339Seconds } from "../../util/rfc3339.ts";

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
  // With dynamicStableScale stable has no spare pods: the canary keeps at least the pods for its traffic share.
  if (dynamicStable(canary)) canaryReplicas = Math.max(canaryReplicas, canaryReplicasForWeight(total, routing.canaryWeight));
  // A header or mirror route needs somewhere to send requests even at weight 0.
  if (canaryReplicas === 0 && (routing.headerRoutes.length > 0 || routing.mirrorRoutes.length > 0)) canaryReplicas = 1;
  // At 100% the canary alone serves production: setCanaryScale cannot take it below replicas - maxUnavailable.
  if (routing.canaryWeight === 100) canaryReplicas = Math.max(canaryReplicas, rolloutFloor(ctx.rollout));
  return { canaryReplicas, stableReplicas: stableReplicasFor(canary, total, routing.canaryWeight), routing };
}

/** The router's weight as seen, or undefined when it is not known. */
const seenWeight = (ctx: DecideContext): number | undefined => (ctx.observed.routing?.ok ? ctx.observed.routing.canaryWeight : undefined);

/**
 * The weight the router is seen taking off the stable pods: it reaches the canary only through a canary side (its
 * Service, or its DestinationRule subset) that selects the canary's pods (pinned elsewhere, say to stable by a
 * hand edit, it lands on stable after all).
 */
const seenOffStable = (ctx: DecideContext): number => (routedHash(ctx.rollout, ctx.observed, "canary") === ctx.currentHash ? (seenWeight(ctx) ?? 0) : 0);

/** `want`, held back (dynamicStableScale) so stable gets no more traffic than its available pods carry. */
const withinStable = (ctx: DecideContext, canary: CanaryStrategy, want: DesiredRouting): DesiredRouting =>
  withinStableCapacity(canary, ctx.rollout.spec.replicas, sideAvailability(ctx.rollout, ctx.observed), seenWeight(ctx), want);

/** The router reports exactly `want`, by subset with the subsets pinned as wanted (always true without a router). */
function routedAs(ctx: DecideContext, canary: CanaryStrategy, want: DesiredRouting): boolean {
  if (!canary.trafficRouting) return true;
  const seen = ctx.observed.routing;
  return (
    seen !== undefined &&
    seen.ok &&
    seen.canaryWeight === want.canaryWeight &&
    // Routers name managed routes their own way (one per weighted rule, say), so compare presence, not names.
    seen.managedRoutes.length > 0 === want.headerRoutes.length + want.mirrorRoutes.length > 0 &&
    subsetsAsWanted(ctx, canary, seen.subsets)
  );
}

/**
 * Ask the router for `want`. While the router reports a problem (weights someone else changed, rules that
 * disagree) sluice leaves traffic where it is and says so, except with `force`: an abort writes 100% stable
 * whatever the router reported, since keeping traffic on a failed canary is never the safer choice.
 */
function route(ctx: DecideContext, canary: CanaryStrategy, want: DesiredRouting, force = false): void {
  if (!canary.trafficRouting || routedAs(ctx, canary, want)) return;
  if (!force && ctx.observed.routing && !ctx.observed.routing.ok) return;
  act(ctx, { kind: "Route", want, ...wantedSubsets(ctx, canary) });
}

function recordWeights(ctx: DecideContext, canary: CanaryStrategy, stableHash: string | undefined): void {
  let canaryWeight: number;
  if (canary.trafficRouting) {
    const seen = ctx.observed.routing;
    if (!seen?.ok) return; // unknown: keep the last weights we saw
    canaryWeight = seen.canaryWeight;
  } else {
    const c = ctx.currentHash === stableHash ? 0 : availableOf(replicaSetFor(ctx, ctx.currentHash));
    canaryWeight = weightFromPods(c, availableOf(replicaSetFor(ctx, stableHash)));
  }
  ctx.status.canary = { ...ctx.status.canary, weights: { canary: canaryWeight, stable: 100 - canaryWeight } };
}

/** ReplicaSets that are neither the stable nor the current revision, newest first. */
const intermediates = (ctx: DecideContext, stableHash: string): string[] =>
  ctx.observed.replicaSets.filter((rs) => rs.podHash !== stableHash && rs.podHash !== ctx.currentHash).sort((a, b) => b.revision - a.revision).map((rs) => rs.podHash);

function settled(ctx: DecideContext, canary: CanaryStrategy, t: Targets, stableHash: string): boolean {
  return (
    isAvailable(ctx, ctx.currentHash, t.canaryReplicas) &&
    isAvailable(ctx, stableHash, t.stableReplicas) &&
    servicePinnedTo(ctx, canary.canaryService, ctx.currentHash) &&
    routedAs(ctx, canary, t.routing)
  );
}

/** With a router: the canary's pods, then its Service, then its traffic. Returns what it waits for ("" = nothing). */
function routedTargets(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[], index: number, stableHash: string): string {
  const t = targetsAt(ctx, canary, steps, index);
  const total = ctx.rollout.spec.replicas;
  const current = replicaSetFor(ctx, ctx.currentHash);
  // Fewer canary pods only once the router is seen sending them no more than the step's traffic.
  const shrinking = current !== undefined && current.replicas > t.canaryReplicas;
  const podsWanted = shrinking && !routedAs(ctx, canary, t.routing) ? current.replicas : t.canaryReplicas;
  const canaryReady = ensureReplicas(ctx, ctx.currentHash, podsWanted) && podsWanted === t.canaryReplicas;
  // The step's traffic may go to the canary once it has the pods for it (more than enough while it shrinks).
  const enoughPods = availableOf(current) >= t.canaryReplicas;
  // Stable keeps the pods for the larger of its shares now and after this step's route: it shrinks (dynamicStableScale)
  // only once the router is seen sending the canary more; an unknown router counts as all traffic on stable.
  ensureReplicas(ctx, stableHash, stableReplicasFor(canary, total, Math.min(seenOffStable(ctx), t.routing.canaryWeight)));
  const seen = ctx.observed.routing;
  // The canary Service may move to the new pods at once while it gets no traffic; otherwise once they can take its share.
  const pinned = pinService(ctx, canary.canaryService, ctx.currentHash, canaryReplicasForWeight(total, seenWeight(ctx) ?? 100));
  // Until the step's pods are there: the previous step's routing, never more canary weight than the router has
  // now (after a retry, a skip or a new revision the previous step's pods were never there), and nothing at
  // all to a canary without available pods.
  const previous = routingThrough(steps, index - 1);
  const hold: DesiredRouting =
    pinned && availableOf(current) > 0 ? { ...previous, canaryWeight: Math.min(previous.canaryWeight, t.routing.canaryWeight, seen?.ok ? seen.canaryWeight : 0) } : ALL_TO_STABLE;
  route(ctx, canary, withinStable(ctx, canary, enoughPods && pinned ? t.routing : hold));
  if (!canaryReady) return `waiting for canary pods: ${availableOf(current)}/${t.canaryReplicas} available`;
  if (!pinned) return `waiting for Service ${canary.canaryService} to select the canary pods`;
  if (seen && !seen.ok) return `waiting for the router: ${seen.problem.message}`;
  if (!routedAs(ctx, canary, t.routing)) return `waiting for the router to send ${t.routing.canaryWeight}% to the canary`;
  if (!isAvailable(ctx, stableHash, t.stableReplicas)) return `waiting for stable pods: ${availableOf(replicaSetFor(ctx, stableHash))}/${t.stableReplicas} available`;
  return "";
}

/** Without a router: the pods are the split, moved within maxSurge/maxUnavailable. */
function podTargets(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[], index: number, stableHash: string): string {
  const t = targetsAt(ctx, canary, steps, index);
  const done = scalePods(ctx, [
    { hash: ctx.currentHash, target: t.canaryReplicas },
    { hash: stableHash, target: t.stableReplicas },
    ...intermediates(ctx, stableHash).map((hash) => ({ hash, target: 0 })),
  ]);
  pinService(ctx, canary.canaryService, ctx.currentHash);
  if (done) return "";
  const c = availableOf(replicaSetFor(ctx, ctx.currentHash));
  const st = availableOf(replicaSetFor(ctx, stableHash));
  return `moving pods: ${c}/${t.canaryReplicas} canary and ${st}/${t.stableReplicas} stable available`;
}

function stepLabel(index: number, steps: CanaryStep[]): string {
  const step = steps[index];
  return step ? `step ${index + 1}/${steps.length} (${describeStep(step)})` : "promotion";
}

/** announced: a timed pause whose time ran out, as the Event that started it said it would (no Event of its own). */
type StepResult = { done: true; announced?: true } | { done: false; phase: "Progressing" | "Paused"; message: string };

/** Run step `index`, whose pods and routing are already in place. */
function runStep(ctx: DecideContext, steps: CanaryStep[], index: number): StepResult {
  const step = steps[index];
  const label = stepLabel(index, steps);
  if (!step) return { done: true };
  const gate = stepGate(ctx.status, index);
  if (step.pause) {
    const hold = holdAt(ctx, gate, "CanaryPauseStep");
    if (hold.state === "released") return { done: true };
    const ms = durationMsOf(step.pause.duration);
    const end = ms === undefined ? undefined : hold.since + ms;
    if (hold.started) act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPaused", message: `paused at ${label}${end === undefined ? "" : ` until ${rfc3339Seconds(end)}`}` });
    if (end === undefined) return { done: false, phase: "Paused", message: `paused at step ${index + 1}/${steps.length}: waiting for promote` };
    if (ctx.now.getTime() >= end) {
      endGate(ctx, gate);
      return { done: true, announced: true };
    }
    wakeAt(ctx, end);
    return { done: false, phase: "Paused", message: `paused at step ${index + 1}/${steps.length}: ${describeStep(step)}, until ${rfc3339Seconds(end)}` };
  }
  if (step.analysis) {
    const name = analysisRunName(ctx, "step", index);
    ctx.status.canary = { ...ctx.status.canary, currentStepAnalysisRun: name };
    const result = analysisGate(ctx, name, "step", step.analysis, "analysis", gate);
    if (result.open) return { done: true };
    const paused = result.phase === "Paused";
    return { done: false, phase: result.phase, message: paused ? `paused at step ${index + 1}/${steps.length}: ${result.message}` : `${label}: ${result.message}` };
  }
  return { done: true }; // setWeight, setCanaryScale, header and mirror routes: done once settled
}

/** Run background analysis when it applies. `held` = its inconclusive result holds the steps until promoted. */
function backgroundAnalysis(ctx: DecideContext, canary: CanaryStrategy, index: number, steps: CanaryStep[]): { runs: string[]; held: boolean } {
  const bg = canary.analysis;
  if (!bg || index < (bg.startingStep ?? 0) || index >= steps.length) return { runs: [], held: false };
  const name = analysisRunName(ctx, "background");
  ctx.status.canary = { ...ctx.status.canary, currentBackgroundAnalysisRun: name };
  const gate = analysisGate(ctx, name, "background", bg, "background analysis", backgroundGate(ctx.status));
  return { runs: [name], held: !gate.open && gate.phase === "Paused" };
}

/** The template is the stable one: one ReplicaSet, all traffic on it, everything else retired. */
function steady(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[]): void {
  const hash = ctx.currentHash;
  const total = ctx.rollout.spec.replicas;
  const s = ctx.status;
  s.stableRS = hash;
  s.currentPodHash = hash;
  let ready: boolean;
  if (canary.trafficRouting) {
    ready = ensureReplicas(ctx, hash, total);
    route(ctx, canary, withinStable(ctx, canary, ALL_TO_STABLE));
    retireOthers(ctx, [hash], canary.scaleDownDelaySeconds);
  } else {
    ready = scalePods(ctx, [{ hash, target: total }, ...intermediates(ctx, hash).map((h) => ({ hash: h, target: 0 }))]);
    deleteBeyondHistory(ctx, [hash]);
  }
  const stablePinned = pinService(ctx, canary.stableService, hash, rolloutFloor(ctx.rollout));
  pinService(ctx, canary.canaryService, hash);
  stopAnalysesExcept(ctx, []);
  s.currentStepIndex = steps.length;
  s.abort = undefined;
  s.abortedAt = undefined;
  s.promoteFull = undefined;
  endControllerPauses(ctx);
  s.canary = { weights: s.canary?.weights };
  recordWeights(ctx, canary, hash);
  const routed = routedAs(ctx, canary, ALL_TO_STABLE);
  if (ready && routed && stablePinned) {
    s.phase = "Healthy";
    s.message = undefined;
    return;
  }
  s.phase = "Progressing";
  ctx.waitingOnCluster = true;
  const rs = replicaSetFor(ctx, hash);
  s.message = !ready
    ? `waiting for pods: ${availableOf(rs)}/${total} available`
    : !stablePinned
      ? `moving Service ${canary.stableService} to the stable pods`
      : "waiting for the router to send all traffic to stable";
}

function aborted(ctx: DecideContext, canary: CanaryStrategy, stableHash: string): void {
  const total = ctx.rollout.spec.replicas;
  stopAnalysesExcept(ctx, []);
  if (canary.trafficRouting) {
    // With dynamicStableScale stable may be below full size: traffic comes back as its pods become available.
    route(ctx, canary, withinStable(ctx, canary, ALL_TO_STABLE), true);
    const stableReady = ensureReplicas(ctx, stableHash, total);
    const stablePinned = pinService(ctx, canary.stableService, stableHash, rolloutFloor(ctx.rollout));
    // Abort means stable gets all traffic first; the canary's pods go only once that is read back (and after the delay).
    if (routedAs(ctx, canary, ALL_TO_STABLE) && stableReady && stablePinned) {
      for (const hash of [ctx.currentHash, ...intermediates(ctx, stableHash)]) scaleDownAfter(ctx, hash, canary.abortScaleDownDelaySeconds);
    } else ctx.waitingOnCluster = true;
  } else {
    scalePods(ctx, [{ hash: stableHash, target: total }, { hash: ctx.currentHash, target: 0 }, ...intermediates(ctx, stableHash).map((hash) => ({ hash, target: 0 }))]);
    pinService(ctx, canary.stableService, stableHash, rolloutFloor(ctx.rollout));
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
  // Intermediate revisions (neither stable nor current) go once no traffic reaches them (without a router,
  // the pod moves below retire them within maxUnavailable).
  if (canary.trafficRouting) retireOthers(ctx, [stableHash, ctx.currentHash], canary.scaleDownDelaySeconds);
  else deleteBeyondHistory(ctx, [stableHash, ctx.currentHash]);

  if (s.abort) {
    s.abortedAt ??= nowIso(ctx);
    return aborted(ctx, canary, stableHash);
  }
  recordWeights(ctx, canary, stableHash);
  // Production reaches the new pods: through the router's canary side, or (no router) through the app's Service to any available pod.
  markServing(ctx, canary.trafficRouting ? seenOffStable(ctx) > 0 : availableOf(replicaSetFor(ctx, ctx.currentHash)) > 0);
  if (ctx.rollout.spec.paused) {
    s.phase = "Paused";
    s.message = `paused by the user at ${stepLabel(s.currentStepIndex ?? 0, steps)}; \`sluice resume\` continues`;
    return;
  }

  let index = s.promoteFull ? steps.length : Math.min(s.currentStepIndex ?? 0, steps.length);
  // Through the steps the stable Service selects the stable pods; during promotion it moves to the new ones.
  if (index < steps.length) pinService(ctx, canary.stableService, stableHash, rolloutFloor(ctx.rollout));

  // Background analysis first: its failure aborts and its inconclusive result holds every step.
  const background = backgroundAnalysis(ctx, canary, index, steps);
  if (s.abort) return aborted(ctx, canary, stableHash);
  const heldByBackground = background.held;

  let blocked: StepResult | undefined;
  let completed = false;
  if (index < steps.length && !heldByBackground) {
    // A promote addressed to this step skips it, whatever it waits for.
    const skipped = isReleased(ctx, stepGate(s, index));
    const result = skipped ? { done: true as const } : settled(ctx, canary, targetsAt(ctx, canary, steps, index), stableHash) ? runStep(ctx, steps, index) : undefined;
    if (s.abort) return aborted(ctx, canary, stableHash);
    if (result?.done) {
      // A timed pause running out was announced by its RolloutPaused Event ("until ..."): no second Event for it.
      if (!("announced" in result)) {
        const message = `${skipped ? "skipped (promoted)" : "completed"} ${stepLabel(index, steps)}`;
        act(ctx, { kind: "Event", type: "Normal", reason: "StepCompleted", message, details: { completedSteps: [{ step: index + 1, message }], rest: "" } });
      }
      index++;
      completed = true;
    } else if (result) blocked = result;
  }
  s.currentStepIndex = index;
  s.stepProgress = `${Math.min(index + 1, steps.length)}/${steps.length}`;
  const stepRun = index < steps.length && steps[index]?.analysis ? [analysisRunName(ctx, "step", index)] : [];
  if (stepRun.length === 0 && s.canary) s.canary.currentStepAnalysisRun = undefined;
  stopAnalysesExcept(ctx, [...background.runs, ...stepRun]);
  if (completed) {
    // Record the new step before acting on it: were the controller killed after acting but before the
    // status write, the next one would take the rollout back a step (and traffic with it). This plan only
    // records; decideThrough acts on the new step in the same reconcile, with this record written first.
    s.phase = "Progressing";
    s.message = index < steps.length ? `${stepLabel(index, steps)}: starting` : "all steps done: promoting";
    wakeAt(ctx, ctx.now.getTime());
    return;
  }

  if (index >= steps.length) return promote(ctx, canary, steps, stableHash);
  if (heldByBackground) {
    // Held: nothing moves (no more traffic to a canary whose analysis could not tell).
    s.phase = "Paused";
    s.message = `paused at ${stepLabel(index, steps)}: background analysis inconclusive; promote to go on or abort`;
    return;
  }
  const detail = canary.trafficRouting ? routedTargets(ctx, canary, steps, index, stableHash) : podTargets(ctx, canary, steps, index, stableHash);
  const ratioNote = canary.trafficRouting ? undefined : replicaRatio(ctx.rollout.spec.replicas, routingThrough(steps, index).canaryWeight).note;
  if (blocked && !blocked.done) {
    s.phase = blocked.phase;
    s.message = blocked.message;
  } else {
    s.phase = "Progressing";
    s.message = `${stepLabel(index, steps)}: ${detail || "in progress"}`;
    if (detail) ctx.waitingOnCluster = true;
  }
  if (ratioNote) s.message = `${s.message} (${ratioNote})`;
}

/** After the last step: the canary takes all traffic, becomes stable, and the old version is retired. */
function promote(ctx: DecideContext, canary: CanaryStrategy, steps: CanaryStep[], stableHash: string): void {
  const total = ctx.rollout.spec.replicas;
  const s = ctx.status;
  s.stepProgress = `${steps.length}/${steps.length}`;
  s.phase = "Progressing";
  ctx.waitingOnCluster = true;
  if (!canary.trafficRouting) {
    const full = scalePods(ctx, [{ hash: ctx.currentHash, target: total }, { hash: stableHash, target: 0 }, ...intermediates(ctx, stableHash).map((hash) => ({ hash, target: 0 }))]);
    pinService(ctx, canary.canaryService, ctx.currentHash);
    if (!full) {
      s.message = `promoting: ${availableOf(replicaSetFor(ctx, ctx.currentHash))}/${total} new pods available`;
      return;
    }
  } else {
    const full = ensureReplicas(ctx, ctx.currentHash, total);
    ensureReplicas(ctx, stableHash, stableReplicasFor(canary, total, seenOffStable(ctx)));
    const pinned = pinService(ctx, canary.canaryService, ctx.currentHash, total);
    if (!full || !pinned) {
      s.message = `promoting: waiting for ${total} canary pods (${availableOf(replicaSetFor(ctx, ctx.currentHash))} available)`;
      return;
    }
    const allToCanary = { canaryWeight: 100, headerRoutes: [], mirrorRoutes: [] };
    route(ctx, canary, allToCanary);
    if (!routedAs(ctx, canary, allToCanary)) {
      s.message = "promoting: waiting for the router to send all traffic to the new version";
      return;
    }
    // Only now may the stable Service move: every request already goes to the new pods.
    if (!pinService(ctx, canary.stableService, ctx.currentHash, total)) {
      s.message = `promoting: moving Service ${canary.stableService} to the new version`;
      return;
    }
  }
  act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPromoted", message: `revision ${ctx.currentHash} is now stable (was ${stableHash})` });
  // The new stable is recorded first; traffic returns to the (now new) stable Service on the next pass.
  s.stableRS = ctx.currentHash;
  s.message = "promoted: returning traffic to the stable Service";
  ctx.waitingOnCluster = false;
  wakeAt(ctx, ctx.now.getTime());
}
