/**
 * What happened during a scenario, as a list of phases of the rollout ("step 2/5: analysis", "aborted"),
 * each with its start and end, built from the status snapshots the sandbox sees. Pure: snapshots in, segments out.
 */
import { effectiveSteps } from "../../api/canary-steps.ts";
import type { Rollout } from "../../api/rollout.ts";
import { describeStep } from "../../core/step-description.ts";

export type StatusSnapshot = {
  at: number;
  phase: string | undefined;
  stepIndex: number | undefined;
  canaryWeight: number | undefined;
  message: string | undefined;
  stableHash: string | undefined;
  currentHash: string | undefined;
};

export type Segment = {
  label: string;
  from: number;
  to: number;
  /** The canary weight last reported during the segment. */
  weight: number;
  /** How the segment ended: the next step, an abort, the promotion. */
  decision: string;
  stableHash: string | undefined;
  canaryHash: string | undefined;
};

export function snapshotOf(rollout: Rollout, at: number): StatusSnapshot {
  const s = rollout.status ?? {};
  return {
    at,
    phase: s.phase,
    stepIndex: s.currentStepIndex,
    canaryWeight: s.canary?.weights?.canary,
    message: s.message,
    stableHash: s.stableRS,
    currentHash: s.currentPodHash,
  };
}

function labelFor(rollout: Rollout, snap: StatusSnapshot, startHash: string | undefined): string {
  if (snap.phase === "Aborted") return "aborted";
  if (snap.stableHash !== startHash) return "promoted";
  const canary = rollout.spec.strategy.canary;
  if (!canary) return snap.phase === "Paused" ? "preview, waiting" : "preview";
  const steps = effectiveSteps(canary);
  const index = snap.stepIndex ?? 0;
  const step = steps[index];
  return step ? `${index + 1}/${steps.length} ${describeStep(step)}` : "promotion";
}

/**
 * Cut the snapshots into segments that share a label. Snapshots from before the new version was seen
 * (still on `startHash`) are left out.
 */
export function segmentsOf(rollout: Rollout, all: StatusSnapshot[], startHash: string | undefined, end: number): Segment[] {
  const snapshots = all.filter((s) => s.currentHash !== startHash || s.stableHash !== startHash);
  const segments: Segment[] = [];
  for (const snap of snapshots) {
    const label = labelFor(rollout, snap, startHash);
    const current = segments.at(-1);
    if (current && current.label === label) {
      current.weight = snap.canaryWeight ?? current.weight;
      continue;
    }
    if (current) {
      current.to = snap.at;
      current.decision = label === "aborted" ? "abort" : label === "promoted" ? "promote" : "next step";
    }
    segments.push({ label, from: snap.at, to: end, weight: snap.canaryWeight ?? 0, decision: "", stableHash: snap.stableHash, canaryHash: snap.currentHash });
  }
  const last = segments.at(-1);
  if (last && !last.decision) last.decision = last.label === "aborted" || last.label === "promoted" ? "done" : "(still running)";
  return segments;
}
