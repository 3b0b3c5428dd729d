/** When `sluice status` may stop: the rollout finished (0), failed (1), or not yet (pure). */
import type { Rollout } from "../api/rollout.ts";

export type Verdict = { done: true; exitCode: 0 | 1; message: string } | { done: false };

export function statusVerdict(rollout: Rollout): Verdict {
  const s = rollout.status ?? {};
  const name = rollout.metadata.name ?? "";
  // A status written for an older spec says nothing about the one just applied.
  if (s.observedGeneration === undefined || s.observedGeneration !== rollout.metadata.generation) return { done: false };
  if (s.phase === "Degraded" || s.phase === "Aborted") return { done: true, exitCode: 1, message: `rollout "${name}" is ${s.phase}: ${s.message ?? "no reason given"}` };
  if (s.phase === "Healthy" && s.stableRS !== undefined && s.stableRS === s.currentPodHash) {
    return { done: true, exitCode: 0, message: `rollout "${name}" is Healthy: revision ${s.stableRS} serves all traffic` };
  }
  return { done: false };
}
