/**
 * `sluice promote` as a status change (pure). The controller reads it as follows: a controller pause whose
 * condition is gone was promoted (controllerPause stays true as the marker); a higher currentStepIndex
 * skips the step in progress; promoteFull skips every remaining step, pause and analysis.
 */
import type { Rollout, RolloutStatus } from "../../api/rollout.ts";
import { describeStep } from "../../core/step-description.ts";
import { effectiveSteps } from "../../api/canary-steps.ts";
import { RefusedError } from "../errors.ts";
import { isAborted, isSettled } from "./rollout-facts.ts";

export type Promotion = { status: RolloutStatus; said: string };

const REASON_WORDS: Record<string, string> = {
  CanaryPauseStep: "pause step",
  BlueGreenPause: "blue-green pause before the switch",
  InconclusiveAnalysis: "pause for an inconclusive analysis",
};

export function promote(rollout: Rollout, options: { full: boolean }): Promotion {
  const name = rollout.metadata.name ?? "";
  const status = rollout.status ?? {};
  if (isAborted(rollout)) throw new RefusedError(`rollout "${name}" is aborted; use \`sluice retry ${name}\` first to run the revision again`);
  if (rollout.spec.paused) throw new RefusedError(`rollout "${name}" is paused by the user (spec.paused); use \`sluice resume ${name}\``);
  if (isSettled(rollout)) throw new RefusedError(`rollout "${name}" is ${status.phase ?? "settled"}: nothing to promote (the stable version is the current one)`);

  const controllerPauses = (status.pauseConditions ?? []).filter((p) => p.reason !== "UserPause");
  const kept = (status.pauseConditions ?? []).filter((p) => p.reason === "UserPause");
  const next: RolloutStatus = { ...status };
  const done: string[] = [];
  if (controllerPauses.length > 0) {
    next.pauseConditions = kept.length > 0 ? kept : undefined;
    done.push(`ended the ${controllerPauses.map((p) => REASON_WORDS[p.reason] ?? p.reason).join(" and the ")}`);
  }
  if (options.full) {
    next.promoteFull = true;
    done.push("skipping every remaining step and analysis");
    return { status: next, said: `rollout "${name}" fully promoted: ${done.join("; ")}` };
  }
  if (done.length > 0) return { status: next, said: `rollout "${name}" promoted: ${done.join("; ")}` };

  const canary = rollout.spec.strategy.canary;
  const steps = canary ? effectiveSteps(canary) : [];
  const index = status.currentStepIndex ?? 0;
  if (canary && index < steps.length) {
    const step = steps[index];
    next.currentStepIndex = index + 1;
    return { status: next, said: `rollout "${name}" promoted: skipped step ${index + 1}/${steps.length}${step ? ` (${describeStep(step)})` : ""}` };
  }
  throw new RefusedError(`rollout "${name}" is not paused at a step (${status.message ?? status.phase ?? "no status yet"}); use \`sluice promote --full ${name}\` to skip what is left`);
}
