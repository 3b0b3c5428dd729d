/**
 * What must hold whatever fails and whenever the controller stops, written once. The property tests, the
 * adversarial world (test/core/adversarial/) and the chaos suite (test/chaos/) call these same checks:
 *
 *  (a) no Service (or DestinationRule subset) that receives production traffic selects a ReplicaSet without available pods;
 *  (b) the pods behind production traffic never fall below spec.replicas - maxUnavailable because of sluice;
 *  (c) weights are integers in 0..100 and every route's weights sum to 100;
 *  (d) an abort reaches 100% stable in the first reconcile after it is decided, whatever the router reported;
 *  (e) no step completes without its analysis Successful or a promote addressed to it;
 *  (f) a gate is released by exactly one promote (decide never releases one itself).
 *
 * (a) and (b) are about states; the world also changes state on its own (pods that never become ready, a
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
import type { DesiredRouting } from "./routing.ts";
import { availableFor, rolloutFloor, routedStableHash, servingAvailable, trafficPaths } from "./traffic.ts";

export type InvariantName = "a" | "b" | "c" | "d" | "e" | "f";
export type Violation = { invariant: InvariantName; message: string };

const TITLES: Record<InvariantName, string> = {
  a: "traffic to a ReplicaSet without available pods",
  b: "available pods below replicas - maxUnavailable",
  c: "weights not whole or not summing to 100",
  d: "abort did not send all traffic to stable at once",
  e: "a step completed without its analysis or a promote",
  f: "a gate released without exactly one promote",
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
  return out;
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
  if (action?.kind === "Route") out.push(...routeViolations(action.want));
  out.push(...now.filter((v) => v.invariant === "c"));
  return out;
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
    if (!first || first.want.canaryWeight !== 0 || first.want.headerRoutes.length + first.want.mirrorRoutes.length > 0 || routes.length > 1) {
      return [{ invariant: "d", message: `aborting, but the plan does not send all traffic to stable (router reported ${JSON.stringify(observed.routing)})` }];
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
