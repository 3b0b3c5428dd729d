/** The steps a canary actually walks: its own `steps`, or the Flagger-style shorthand expanded. */
import type { CanaryStrategy } from "./rollout.ts";
import type { CanaryStep } from "./steps.ts";

/**
 * stepWeight 10, maxWeight 50, interval 1m -> setWeight 10, pause 1m, setWeight 20, pause 1m, ... 50, pause 1m.
 * Then promotion, as Flagger does. No steps and no shorthand = promote at once (as Argo Rollouts does).
 */
export function effectiveSteps(canary: CanaryStrategy): CanaryStep[] {
  if (canary.steps) return canary.steps;
  if (canary.stepWeight === undefined) return [];
  const maxWeight = canary.maxWeight ?? 100;
  const steps: CanaryStep[] = [];
  for (let weight = canary.stepWeight; ; weight += canary.stepWeight) {
    const capped = Math.min(weight, maxWeight);
    steps.push({ setWeight: capped });
    steps.push({ pause: canary.interval === undefined ? {} : { duration: canary.interval } });
    if (capped >= maxWeight) break;
  }
  return steps;
}

/** The Rollout with the shorthand replaced by the steps it stands for (what `lint --print-defaults` shows). */
export function withExpandedSteps<R extends { spec: { strategy: { canary?: CanaryStrategy } } }>(rollout: R): R {
  const canary = rollout.spec.strategy.canary;
  if (!canary || canary.stepWeight === undefined || canary.steps) return rollout;
  const { stepWeight: _w, maxWeight: _m, interval: _i, ...rest } = canary;
  return { ...rollout, spec: { ...rollout.spec, strategy: { ...rollout.spec.strategy, canary: { ...rest, steps: effectiveSteps(canary) } } } };
}
