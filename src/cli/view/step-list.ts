/** The canary's steps as a checklist: ✔ done, ► current (✖ where it was aborted), · pending. */
import { durationToMs, formatDuration } from "../../api/duration.ts";
import type { Rollout } from "../../api/rollout.ts";
import type { CanaryStep } from "../../api/steps.ts";
import { describeStep } from "../../core/step-description.ts";
import { columns, truncate, type Colour, type Paint } from "./style.ts";

export type StepState = "done" | "current" | "aborted" | "pending";

const MARK: Record<StepState, { mark: string; colour: Colour | undefined }> = {
  done: { mark: "✔", colour: "green" },
  current: { mark: "►", colour: "cyan" },
  aborted: { mark: "✖", colour: "red" },
  pending: { mark: "·", colour: "dim" },
};

/** Which step the rollout is at; every step is done once the stable version is the current one. */
export function currentStep(rollout: Rollout, steps: CanaryStep[]): number {
  const s = rollout.status ?? {};
  if (s.stableRS !== undefined && s.stableRS === s.currentPodHash) return steps.length;
  if (s.promoteFull) return steps.length;
  return Math.min(s.currentStepIndex ?? 0, steps.length);
}

/** What a step does, plus what is happening in it now (time left in a pause, the AnalysisRun of an analysis). */
function stepText(rollout: Rollout, step: CanaryStep, isCurrent: boolean, now: Date): string {
  const text = describeStep(step);
  if (!isCurrent) return text;
  const s = rollout.status ?? {};
  if (step.pause?.duration !== undefined) {
    const started = s.pauseConditions?.find((p) => p.reason === "CanaryPauseStep")?.startTime;
    const ms = durationToMs(step.pause.duration);
    if (started && ms !== undefined) return `${text} (${formatDuration(Math.max(0, Date.parse(started) + ms - now.getTime()))} left)`;
  }
  if (step.analysis && s.canary?.currentStepAnalysisRun) return `${text} (${s.canary.currentStepAnalysisRun})`;
  return text;
}

export function stepLines(rollout: Rollout, steps: CanaryStep[], now: Date, width: number, paint: Paint): string[] {
  const index = currentStep(rollout, steps);
  const aborted = rollout.status?.abort === true || rollout.status?.phase === "Aborted";
  const numberWidth = String(steps.length).length;
  return steps.map((step, i) => {
    const state: StepState = i < index ? "done" : i === index ? (aborted ? "aborted" : "current") : "pending";
    const { mark, colour } = MARK[state];
    const prefix = `  ${mark} ${String(i + 1).padStart(numberWidth)}  `;
    const text = truncate(stepText(rollout, step, i === index, now), width - columns(prefix));
    return `  ${paint(mark, colour)} ${String(i + 1).padStart(numberWidth)}  ${state === "pending" ? paint(text, "dim") : text}`;
  });
}
