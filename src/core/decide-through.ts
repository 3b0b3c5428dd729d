/**
 * decide(), and while its plan only records (a step completed, Events) and asks to look again at once, the next
 * plan too, on the same observation. Nothing in the cluster changed in between, so it is the pass an immediate
 * requeue would make, without the status write and the read between them: entering a pause right after the
 * step before it is one status write, not two. A next plan that acts on the cluster is left to the next pass,
 * so its status is still written before anything acts on it (the rule decide-canary.ts keeps for a new step).
 */
import { decide } from "./decide.ts";
import type { Rollout } from "../api/rollout.ts";
import type { Observed } from "./observed.ts";
import type { Plan } from "./plan.ts";

const MAX_CHAINED_PLANS = 3;

const onlyRecords = (plan: Plan): boolean => plan.deferred === undefined && plan.actions.every((a) => a.kind === "Event");

export function decideThrough(rollout: Rollout, observed: Observed, now: Date): Plan {
  let plan = decide(rollout, observed, now);
  for (let i = 0; i < MAX_CHAINED_PLANS && plan.requeueAfterMs === 0 && onlyRecords(plan); i++) {
    const next = decide({ ...rollout, status: plan.status }, observed, now);
    if (!onlyRecords(next)) break;
    plan = { ...next, actions: [...plan.actions, ...next.actions] };
  }
  return plan;
}
