/**
 * What must hold whatever fails and whenever the controller stops, written once. The property tests, the
 * adversarial world (test/core/adversarial/) and the chaos suite (test/chaos/) call these same checks:
 *
 *  (a) no Service (or DestinationRule subset) that receives production traffic selects a ReplicaSet without available pods;
 *  (b) the pods behind production traffic never fall below spec.replicas - maxUnavailable because of sluice;
 *  (c) weights are integers in 0..100 and every route's weights sum to 100;
 *  (d) an abort reaches 100% stable in the first reconcile after it is decided, whatever the router reported
 *      (with dynamicStableScale: as far as stable's available pods carry, and the rest as they become available);
 *  (e) no step completes without its analysis Successful or a promote addressed to it;
 *  (f) a gate is released by exactly one promote (decide never releases one itself);
 *  (g) with dynamicStableScale, the pods the stable Service selects never carry a larger share of the traffic
 *      than their available pods are of spec.replicas (stable shrinks only after traffic left it, and takes
 *      traffic back only as its pods become available).
 *
 * (a), (b) and (g) are about states; the world also changes state on its own (pods that never become ready, a
 * router edited by hand), so `introducedBy` judges an action by what it changed: a violation counts against
 * sluice only when its action created it or made it worse.
 */
import { effectiveSteps } from "../api/canary-steps.ts";
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import { runName } from "./analysis-runs.ts";
import { durationMsOf } from "./durations.ts";
import { gateId, revisionKey, stepGate } from "./gates.ts";
import type { Observed } from "./observed.ts";
import type { Action, Plan } from "./plan.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "./routing.ts";
import { availableFor, rolloutFloor, routedHash, routedStableHash, servingAvailable, trafficPaths } from "./traffic.ts";
import { dynamicStable, sideAvailability, stableCapacity, withinStableCapacity } from "./canary/stable-share.ts";

export type InvariantName = "a" | "b" | "c" | "d" | "e" | "f" | "g";
export type Violation = { invariant: InvariantName; message: string };

const TITLES: Record<InvariantName, string> = {
  a: "traffic to a ReplicaSet without available pods",
  b: "available pods below replicas - maxUnavailable",
  c: "weights not whole or not summing to 100",
  d: "abort did not send all traffic to stable at once",
  e: "a step completed without its analysis or a promote",
  f: "a gate released without exactly one promote",
  g: "stable carries more traffic than its available pods can (dynamicStableScale)",
};
export const invariantTitle = (name: InvariantName): string => TITLES[name];

/** (a), (b), (c) of one state: every production path has available pods, enough of them, whole weights. */
export function stateViolations(rollout: Rollout, state: Observed): Violation[] {
  const out: Violation[] = [];
  for (const path of trafficPaths(rollout, state)) {
    // An unpinned path selects every pod: with none anywhere, it is the first deployment (nothing served before).
    if (path.podHash === undefined) continue;
    if (availableFor(state, path.podHash) === 0) out.push({ invariant: "a", message: `${path.via} selects ${path.podHash}, which has no available pods` });
  }
  const floor = rolloutFloor(rollout);
  const serving = servingAvailable(rollout, state);
  if (serving < floor) out.push({ invariant: "b", message: `${serving} available pod(s) serve production; at least ${floor} must` });
  if (state.routing?.ok) out.push(...weightViolations(state.routing.canaryWeight, "the router"));
  const overload = stableOverload(rollout, state);
  if (overload && overload.excess > 0) out.push(overload.violation);
  return out;
}

/**
 * (g) of one state: with dynamicStableScale and a known router weight, the traffic share (%) on the pods the
 * stable Service selects above what their available pods carry (excess <= 0: within). Only the stable side:
 * the canary's size is the user's with setCanaryScale, and (a) already requires it to have available pods.
 */
function stableOverload(rollout: Rollout, state: Observed, unknownRouter: "skip" | "worst" = "skip"): { excess: number; violation: Violation } | undefined {
  const canary = rollout.spec.strategy.canary;
  const total = rollout.spec.replicas;
  if (!canary || !dynamicStable(canary) || total <= 0) return undefined;
  if (!state.routing?.ok && unknownRouter === "skip") return undefined;
  // The stable side by Service pin or by DestinationRule subset.
  const hash = routedHash(rollout, state, "stable");
  if (hash === undefined) return undefined;
  // An unknown router may be sending stable everything (as traffic.ts reads doubt).
  const weight = state.routing?.ok ? state.routing.canaryWeight : 0;
  const share = 100 - weight + (routedHash(rollout, state, "canary") === hash ? weight : 0);
  const available = availableFor(state, hash);
  const capacity = stableCapacity(total, available);
  return { excess: share - capacity, violation: { invariant: "g", message: `${hash} (the stable side's pods) gets ${share}% of traffic with ${available}/${total} pods available (${capacity}%)` } };
}

export function weightViolations(canaryWeight: number, where: string): Violation[] {
  if (Number.isInteger(canaryWeight) && canaryWeight >= 0 && canaryWeight <= 100) return [];
  return [{ invariant: "c", message: `${where}: canary weight ${canaryWeight} is not an integer in 0..100` }];
}

/** (c) of a raw route: every rule's backend weights are whole and add up to 100. */
export function ruleWeightViolations(rules: { name: string; weights: number[] }[]): Violation[] {
  return rules.flatMap((rule) => {
    const sum = rule.weights.reduce((a, b) => a + b, 0);
    const whole = rule.weights.every((w) => Number.isInteger(w) && w >= 0 && w <= 100);
    return whole && sum === 100 ? [] : [{ invariant: "c" as const, message: `${rule.name}: weights ${rule.weights.join("+")} (must be whole and sum to 100)` }];
  });
}

/**
 * (a), (b), (c) judged on one action: the state after it breaks an invariant that held before, or makes a
 * broken one worse (fewer pods serving). `after` is the true state, not what the controller observed.
 */
export function introducedBy(rollout: Rollout, before: Observed, after: Observed, action?: Action): Violation[] {
  const was = stateViolations(rollout, before);
  const now = stateViolations(rollout, after);
  const out = now.filter((v) => v.invariant === "a" && !was.some((w) => w.invariant === "a" && w.message === v.message));
  const floor = rolloutFloor(rollout);
  const servedBefore = servingAvailable(rollout, before);
  const servedAfter = servingAvailable(rollout, after);
  if (servedAfter < floor && servedAfter < servedBefore && !backToStable(rollout, action)) {
    out.push({ invariant: "b", message: `${servedAfter} available pod(s) serve production after the action (were ${servedBefore}); at least ${floor} must` });
  }
  const overloadBefore = stableOverload(rollout, before, "worst")?.excess ?? 0;
  const overloadAfter = stableOverload(rollout, after);
  if (overloadAfter && overloadAfter.excess > 0 && overloadAfter.excess > overloadBefore && !routesWhatCanaryCannotCarry(rollout, before, action)) out.push(overloadAfter.violation);
  if (action?.kind === "Route") out.push(...routeViolations(action.want));
  out.push(...now.filter((v) => v.invariant === "c"));
  return out;
}

/** The weight an abort (or any move back) may route to at once: back to stable as far as both sides' available pods allow. */
function backToStableTarget(rollout: Rollout, state: Observed): number {
  const canary = rollout.spec.strategy.canary;
  if (!canary) return 0;
  const seen = state.routing?.ok ? state.routing.canaryWeight : undefined;
  return withinStableCapacity(canary, rollout.spec.replicas, sideAvailability(rollout, state), seen, ALL_TO_STABLE).canaryWeight;
}

/**
 * A route that takes from the canary only the traffic its available pods cannot carry moves that traffic to the
 * only other place it can go: stable, which served it before. So does a route all the way back to stable: it is
 * what sluice does when it sees a canary without available pods, and on a stale view of them the true state may
 * disagree. (g) counts neither against sluice; (d) checks, on the state decide saw, that an abort's route goes
 * back exactly as far as stable can carry.
 */
function routesWhatCanaryCannotCarry(rollout: Rollout, before: Observed, action: Action | undefined): boolean {
  return action?.kind === "Route" && (action.want.canaryWeight === 0 || action.want.canaryWeight >= backToStableTarget(rollout, before));
}

/**
 * Sending traffic back to the stable version (a route to 0% canary, the active Service back to stable) is never
 * a capacity fault of sluice's: it is what an abort or a new revision must do, and the stable pods are the
 * ones that served before. (a) still applies: they must have available pods.
 */
function backToStable(rollout: Rollout, action: Action | undefined): boolean {
  if (action?.kind === "Route") return action.want.canaryWeight === 0;
  if (action?.kind === "PinService") return action.podHash === rollout.status?.stableRS;
  return false;
}

export function routeViolations(want: DesiredRouting): Violation[] {
  return weightViolations(want.canaryWeight, "a Route action");
}

const allStable = (state: Observed): boolean => state.routing?.ok === true && state.routing.canaryWeight === 0 && state.routing.managedRoutes.length === 0;

/**
 * (d) on one plan: a plan whose status aborts must, unless traffic is already all on stable, route 100% to
 * stable (with a router) or move the active Service back (blue-green, once the stable version can take it).
 * With dynamicStableScale the stable ReplicaSet may be smaller than its full size: the first route then takes
 * traffic back as far as stable's available pods carry it ((g)), and the rest follows as they become available.
 */
export function abortViolations(rollout: Rollout, observed: Observed, plan: Plan): Violation[] {
  if (!plan.status.abort) return [];
  const { canary, blueGreen } = rollout.spec.strategy;
  const stable = plan.status.stableRS;
  const stableSide = routedStableHash(rollout, observed);
  // A stable Service with no available pods cannot take the traffic: sending it there would be an outage too.
  const stableCanServe = stableSide === undefined || availableFor(observed, stableSide) > 0;
  if (canary?.trafficRouting && !allStable(observed) && stableCanServe) {
    const routes = plan.actions.filter((a): a is Extract<Action, { kind: "Route" }> => a.kind === "Route");
    const first = routes[0];
    const seen = observed.routing?.ok ? observed.routing : undefined;
    const target = backToStableTarget(rollout, observed);
    // Already as far back as stable can carry (dynamicStableScale only): no route is due yet.
    const asFarAsCan = target > 0 && seen !== undefined && seen.canaryWeight <= target && seen.managedRoutes.length === 0;
    if (asFarAsCan) return [];
    // Exactly the target: more canary weight keeps traffic on a failed canary, less overloads a stable still scaling up.
    if (!first || first.want.canaryWeight !== target || first.want.headerRoutes.length + first.want.mirrorRoutes.length > 0 || routes.length > 1) {
      const want = target === 0 ? "all traffic to stable" : `traffic back to stable as far as its available pods carry (${target}% to the canary)`;
      return [{ invariant: "d", message: `aborting, but the plan does not send ${want} (router reported ${JSON.stringify(observed.routing)})` }];
    }
  }
  if (blueGreen && stable && observed.services[blueGreen.activeService]?.podHash !== stable && availableFor(observed, stable) >= Math.max(1, rolloutFloor(rollout))) {
    const back = plan.actions.some((a) => a.kind === "PinService" && a.service === blueGreen.activeService && a.podHash === stable);
    if (!back) return [{ invariant: "d", message: `aborting, but Service ${blueGreen.activeService} is not moved back to ${stable}, which has the pods to take it` }];
  }
  return [];
}

/**
 * (e) and (f) on one decision: `rollout` is what decide() read, `plan` what it decided. Steps passed must each
 * be Successful, released by a promote addressed to them, or a timed pause that ran out; decide never adds a
 * released gate.
 */
export function progressViolations(rollout: Rollout, observed: Observed, plan: Plan, now: Date): Violation[] {
  const before = rollout.status ?? {};
  const after = plan.status;
  const out: Violation[] = [];
  const added = (after.releasedGates ?? []).filter((g) => !(before.releasedGates ?? []).includes(g));
  if (added.length > 0) out.push({ invariant: "f", message: `decide released gate(s) ${added.join(", ")} by itself` });
  const sameRevision = revisionKey(before) === revisionKey(after) && before.currentPodHash !== undefined && before.stableRS !== before.currentPodHash;
  if (!sameRevision || before.promoteFull || after.promoteFull || after.abort) return out;
  const released = (gate: string) => (after.releasedGates ?? []).includes(gate);
  const runPhase = (name: string) => observed.analysisRuns.find((r) => r.name === name)?.phase;
  const { canary, blueGreen } = rollout.spec.strategy;

  if (canary) {
    const steps = effectiveSteps(canary);
    const from = before.currentStepIndex ?? 0;
    const to = after.currentStepIndex ?? 0;
    for (let i = from; i < Math.min(to, steps.length); i++) {
      const step = steps[i];
      if (!step || released(stepGate(after, i))) continue;
      if (step.analysis && runPhase(runName(rollout.metadata.name, after, "step", i)) !== "Successful") {
        out.push({ invariant: "e", message: `step ${i + 1} (analysis) completed without a Successful run or a promote` });
      }
      if (step.pause) {
        const ms = durationMsOf(step.pause.duration);
        const started = before.pauseConditions?.find((p) => p.gate === stepGate(after, i))?.startTime;
        const ranOut = ms !== undefined && (ms === 0 || (started !== undefined && now.getTime() - Date.parse(started) >= ms));
        if (!ranOut) out.push({ invariant: "e", message: `step ${i + 1} (pause) completed without a promote${ms === undefined ? "" : " or its time running out"}` });
      }
    }
    if (after.stableRS === after.currentPodHash && before.stableRS !== before.currentPodHash && to < steps.length) {
      out.push({ invariant: "e", message: `promoted at step ${to + 1}/${steps.length} without the remaining steps` });
    }
  }
  if (blueGreen) {
    const switching = plan.actions.some((a) => a.kind === "PinService" && a.service === blueGreen.activeService && a.podHash === after.currentPodHash);
    if (switching) out.push(...switchViolations(rollout, observed, before, after, released, runPhase, now));
    const promoted = after.stableRS === after.currentPodHash && before.stableRS !== after.stableRS;
    if (promoted && blueGreen.postPromotionAnalysis && !released(gateId(after, "post-promotion")) && runPhase(runName(rollout.metadata.name, after, "postPromotion")) !== "Successful") {
      out.push({ invariant: "e", message: "promoted without a Successful post-promotion analysis or a promote" });
    }
  }
  return out;
}

function switchViolations(
  rollout: Rollout,
  _observed: Observed,
  before: RolloutStatus,
  after: RolloutStatus,
  released: (gate: string) => boolean,
  runPhase: (name: string) => string | undefined,
  now: Date,
): Violation[] {
  const bg = rollout.spec.strategy.blueGreen;
  if (!bg) return [];
  const out: Violation[] = [];
  if (bg.prePromotionAnalysis && !released(gateId(after, "pre-promotion")) && runPhase(runName(rollout.metadata.name, after, "prePromotion")) !== "Successful") {
    out.push({ invariant: "e", message: "the active Service switched without a Successful pre-promotion analysis or a promote" });
  }
  const gate = gateId(after, "promotion");
  if (!bg.autoPromotionEnabled && !released(gate)) out.push({ invariant: "e", message: "the active Service switched without the promote autoPromotionEnabled: false waits for" });
  if (bg.autoPromotionEnabled && bg.autoPromotionSeconds && !released(gate)) {
    const started = before.pauseConditions?.find((p) => p.gate === gate)?.startTime;
    if (started === undefined || now.getTime() - Date.parse(started) < bg.autoPromotionSeconds * 1000) {
      out.push({ invariant: "e", message: `the active Service switched before autoPromotionSeconds (${bg.autoPromotionSeconds}) ran out` });
    }
  }
  return out;
}

/** (f) on a user's promote: the status it writes releases exactly one more gate than before, or promotes fully. */
export function promoteViolations(before: RolloutStatus, after: RolloutStatus): Violation[] {
  if (after.promoteFull && !before.promoteFull) return [];
  const added = (after.releasedGates ?? []).filter((g) => !(before.releasedGates ?? []).includes(g));
  return added.length === 1 ? [] : [{ invariant: "f", message: `one promote released ${added.length} gate(s): ${added.join(", ") || "none"}` }];
}
