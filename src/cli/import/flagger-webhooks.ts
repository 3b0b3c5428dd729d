/**
 * Flagger webhooks -> sluice. Gates (confirm-rollout, confirm-traffic-increase, confirm-promotion) hold the
 * release until an HTTP hook answers 200; sluice's equivalent is an untimed pause released by
 * `sluice promote`, so gates become pauses (or, in blue-green, autoPromotionEnabled: false). Hooks that run
 * something (load tests, acceptance tests, notifications, rollback requests) have no sluice equivalent: each
 * is reported with what to use instead.
 */
import { asArray, asRecord, type Json, type Notes } from "./notes.ts";

export type Gates = { beforeStart: boolean; beforeEachIncrease: boolean; beforePromotion: boolean };

export type ReleaseShape = "canary" | "ab-test" | "blue-green";

const RUN_HOOK = "sluice does not call webhooks; run it from your pipeline (e.g. a Job), or turn its check into an analysis metric";

const NOT_RUN: Record<string, string> = {
  rollout: `a load or acceptance test run at every interval: ${RUN_HOOK}`,
  "pre-rollout": `a check before traffic reaches the canary: ${RUN_HOOK}`,
  "post-rollout": "a notification after the release: watch sluice's Kubernetes Events (or `sluice status NAME` in the pipeline) instead",
  event: "a notification per event: watch sluice's Kubernetes Events instead",
  rollback: "a hook that asks for a rollback: call `sluice abort NAME` instead",
};

const GATE_TYPES = ["confirm-rollout", "confirm-traffic-increase", "confirm-promotion"] as const;

export function translateWebhooks(analysis: Json, shape: ReleaseShape, name: string, notes: Notes): Gates {
  const gates: Gates = { beforeStart: false, beforeEachIncrease: false, beforePromotion: false };
  asArray(analysis.webhooks).forEach((hook, i) => {
    const path = `spec.analysis.webhooks[${i}]`;
    const type = String(asRecord(hook).type ?? "rollout");
    const approve = `approve with \`sluice promote ${name}\` instead of the hook answering 200`;
    if (!(GATE_TYPES as readonly string[]).includes(type)) {
      notes.dropped(path, NOT_RUN[type] ?? `webhook type "${type}" has no sluice equivalent`);
    } else if (type === "confirm-promotion") {
      gates.beforePromotion = true;
      notes.info(path, shape === "blue-green" ? `confirm-promotion becomes autoPromotionEnabled: false; ${approve}` : `confirm-promotion becomes a pause before promotion; ${approve}`);
    } else if (type === "confirm-rollout" && shape !== "blue-green") {
      gates.beforeStart = true;
      notes.info(path, `confirm-rollout becomes a pause before the first step (the canary's pods start before it, without traffic); ${approve}`);
    } else if (type === "confirm-traffic-increase" && shape === "canary") {
      gates.beforeEachIncrease = true;
      notes.info(path, `confirm-traffic-increase becomes a pause before every weight increase; ${approve}`);
    } else {
      notes.dropped(path, type === "confirm-rollout" ? "a blue-green rollout has no step before the new version starts; apply the Rollout when you are ready instead" : `a ${shape} release has no weight increases to gate`);
    }
  });
  return gates;
}

/** Canary or A/B steps with the gates as untimed pauses. */
export function gatedSteps(steps: Json[], gates: Gates): Json[] {
  // A new object per pause: one shared object would print as a YAML anchor and aliases.
  const gate = () => ({ pause: {} });
  const out: Json[] = [];
  steps.forEach((step, i) => {
    // One pause at most per place: the start gate and an increase gate on the first step are the same wait.
    if ((i === 0 && gates.beforeStart) || (step.setWeight !== undefined && gates.beforeEachIncrease)) out.push(gate());
    out.push(step);
  });
  if (gates.beforePromotion) out.push(gate());
  return out;
}
