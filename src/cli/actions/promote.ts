/**
 * `sluice promote` as a status change (pure). A promote releases exactly one gate (src/core/gates.ts): the one
 * holding the rollout now (an inconclusive background analysis first, since it holds every step), or, when
 * nothing is held, the canary step in progress (which skips it). Its identity goes into status.releasedGates,
 * so the controller can tell which gate was meant however late it reads the write. promoteFull skips every
 * remaining step, pause and analysis.
 */
import { effectiveSteps } from "../../api/canary-steps.ts";
import type { Rollout, RolloutStatus } from "../../api/rollout.ts";
import { stepGate, type PauseCondition } from "../../core/gates.ts";
import { describeStep } from "../../core/step-description.ts";
import { RefusedError } from "../errors.ts";
import { isAborted, isSettled } from "./rollout-facts.ts";

export type Promotion = { status: RolloutStatus; said: string };

const REASON_WORDS: Record<string, string> = {
  CanaryPauseStep: "pause step",
  BlueGreenPause: "blue-green pause before the switch",
  InconclusiveAnalysis: "pause for an inconclusive analysis",
};

/** The held gate a promote releases: background analysis (it holds every step) before anything else, then the oldest. */
function heldGate(status: RolloutStatus): (PauseCondition & { gate: string }) | undefined {
  const held = (status.pauseConditions ?? []).filter((p): p is PauseCondition & { gate: string } => p.reason !== "UserPause" && p.gate !== undefined);
  const rank = (p: PauseCondition & { gate: string }) => (p.gate.includes("/background-") ? 0 : 1);
  return held.sort((a, b) => rank(a) - rank(b) || a.startTime.localeCompare(b.startTime))[0];
}

function release(status: RolloutStatus, gate: string): RolloutStatus {
  const pauseConditions = (status.pauseConditions ?? []).filter((p) => p.gate !== gate);
  return { ...status, pauseConditions: pauseConditions.length > 0 ? pauseConditions : undefined, releasedGates: [...(status.releasedGates ?? []), gate] };
}

export function promote(rollout: Rollout, options: { full: boolean }): Promotion {
  const name = rollout.metadata.name ?? "";
  const status = rollout.status ?? {};
  if (isAborted(rollout)) throw new RefusedError(`rollout "${name}" is aborted; use \`sluice retry ${name}\` first to run the revision again`);
  if (rollout.spec.paused) throw new RefusedError(`rollout "${name}" is paused by the user (spec.paused); use \`sluice resume ${name}\``);
  if (isSettled(rollout)) throw new RefusedError(`rollout "${name}" is ${status.phase ?? "settled"}: nothing to promote (the stable version is the current one)`);

  if (options.full) {
    if (status.promoteFull) throw new RefusedError(`rollout "${name}" is already fully promoted; the controller is finishing it (\`sluice get rollout ${name}\` shows how far)`);
    const kept = (status.pauseConditions ?? []).filter((p) => p.reason === "UserPause");
    return {
      status: { ...status, promoteFull: true, pauseConditions: kept.length > 0 ? kept : undefined },
      said: `rollout "${name}" fully promoted: skipping every remaining step and analysis`,
    };
  }

  const held = heldGate(status);
  if (held) {
    const others = (status.pauseConditions ?? []).filter((p) => p.reason !== "UserPause" && p.gate !== held.gate).length;
    const still = others > 0 ? `; ${others} more gate(s) still hold it, each needs its own promote` : "";
    return { status: release(status, held.gate), said: `rollout "${name}" promoted: ended the ${REASON_WORDS[held.reason] ?? held.reason} (${held.gate})${still}` };
  }

  const canary = rollout.spec.strategy.canary;
  const steps = canary ? effectiveSteps(canary) : [];
  const index = status.currentStepIndex ?? 0;
  if (canary && index < steps.length) {
    const gate = stepGate(status, index);
    const label = `step ${index + 1}/${steps.length}${steps[index] ? ` (${describeStep(steps[index])})` : ""}`;
    if (status.releasedGates?.includes(gate)) {
      throw new RefusedError(`rollout "${name}": ${label} is already promoted; the controller has not acted on it yet (\`sluice get rollout ${name}\` shows when it has)`);
    }
    return { status: release(status, gate), said: `rollout "${name}" promoted: skipped ${label}` };
  }
  throw new RefusedError(`rollout "${name}" is not paused at a step (${status.message ?? status.phase ?? "no status yet"}); use \`sluice promote --full ${name}\` to skip what is left`);
}
