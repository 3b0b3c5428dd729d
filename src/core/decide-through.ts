/**
 * decide(), and the plans after it in the same pass while the next one can be decided without looking at the
 * cluster again, so that one reconcile does what several did, with one status write:
 *
 *  - A plan that only records (Events, a step completed) and asks to look again at once: the next plan, on the
 *    same observation, is what the immediate requeue would decide (entering a pause right after a step).
 *  - A plan whose only writes take pods away (a scale-down, a delete): what they leave is known, no pod has to
 *    become ready (predictAll), and the next plan is decided on that. A step that is done once its scale-down
 *    lands completes in the same reconcile; its status still goes out only after the scale-down has landed.
 *  - After plans that only record, a next plan that acts: taken too, but marked statusFirst: its status (the
 *    step it acts on) is written before any of its actions, so a crash in between resumes at the new step
 *    instead of going back one with traffic, and a promote or abort written meanwhile fails the status write
 *    (409) before anything acts, as when the two were separate reconciles.
 *
 * A plan after a write whose effect cannot be told (new pods, a route or Service read back) is left to the next
 * pass, which sees the write read back.
 */
import { decide } from "./decide.ts";
import type { Rollout } from "../api/rollout.ts";
import type { Observed } from "./observed.ts";
import type { Action, Plan } from "./plan.ts";
import { predictAll } from "./replica-counts.ts";

const MAX_CHAINED_PLANS = 4;

const onlyRecords = (plan: Plan): boolean => plan.deferred === undefined && plan.actions.every((a) => a.kind === "Event");

/** Fewer pods, or a ReplicaSet gone: the state after it is the state before minus those pods. */
function removesPods(action: Action, observed: Observed): boolean {
  if (action.kind === "DeleteReplicaSet") return true;
  if (action.kind !== "ScaleReplicaSet") return false;
  const rs = observed.replicaSets.find((r) => r.name === action.name);
  return rs !== undefined && action.replicas < rs.replicas;
}

const onlyRemoves = (plan: Plan, observed: Observed): boolean =>
  plan.deferred === undefined && plan.actions.some((a) => a.kind !== "Event") && plan.actions.every((a) => a.kind === "Event" || removesPods(a, observed));

type NormalEvent = Extract<Action, { kind: "Event" }> & { type: "Normal" };
const isNormalEvent = (a: Action): a is NormalEvent => a.kind === "Event" && a.type === "Normal";

/**
 * A step that completes and what the rollout does next are one Event ("completed step 1/2 (set weight 50%);
 * paused at step 2/2 ..."), under the reason of what came next: fewer Events, each saying where things stand.
 */
function joinEvents(earlier: readonly Action[], later: readonly Action[]): Action[] {
  const at = earlier.findLastIndex((a) => a.kind === "Event");
  const completed = earlier[at];
  const nextAt = later.findIndex((a) => a.kind === "Event");
  const next = later[nextAt];
  if (!completed || !isNormalEvent(completed) || completed.reason !== "StepCompleted" || !next || !isNormalEvent(next)) return [...earlier, ...later];
  // The details keep the parts apart: the steps done, and what the later Event says of its own.
  const completedSteps = [...(completed.details?.completedSteps ?? []), ...(next.details?.completedSteps ?? [])];
  const rest = next.details?.completedSteps ? (next.details.rest ?? "") : next.message;
  const joined: Action = { ...next, message: `${completed.message}; ${next.message}`, details: { ...next.details, completedSteps, rest } };
  return [...earlier.slice(0, at), joined, ...earlier.slice(at + 1), ...later.slice(0, nextAt), ...later.slice(nextAt + 1)];
}

const join = (plan: Plan, next: Plan): Plan => ({ ...next, actions: joinEvents(plan.actions, next.actions) });

export function decideThrough(rollout: Rollout, observed: Observed, now: Date): Plan {
  let plan = decide(rollout, observed, now);
  let last = plan; // the latest plan decided, on `seen`
  let seen = observed;
  for (let i = 0; i < MAX_CHAINED_PLANS; i++) {
    const asksAgain = onlyRecords(last) && last.requeueAfterMs === 0;
    if (!asksAgain && !onlyRemoves(last, seen)) break;
    const after = asksAgain ? seen : predictAll(seen, last.actions);
    const next = decide({ ...rollout, status: plan.status }, after, now);
    if (onlyRecords(next)) {
      plan = join(plan, next);
      last = next;
      seen = after;
      continue;
    }
    // Acting on what the plans so far recorded: only after nothing but records, on the same observation.
    if (asksAgain && onlyRecords(plan) && next.deferred === undefined) return { ...join(plan, next), statusFirst: true };
    break;
  }
  return plan;
}
