/** Facts about a rollout's state that decide whether a command makes sense. */
import type { Rollout } from "../../api/rollout.ts";

export function isAborted(rollout: Rollout): boolean {
  return rollout.status?.abort === true || rollout.status?.phase === "Aborted";
}

/** Nothing in flight: the stable version is the one the spec asks for and it serves everything. */
export function isSettled(rollout: Rollout): boolean {
  const s = rollout.status;
  if (s?.phase === "Healthy") return true;
  return s?.stableRS !== undefined && s.stableRS === s.currentPodHash && s.phase !== "Aborted";
}
