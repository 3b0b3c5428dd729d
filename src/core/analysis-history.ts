/**
 * spec.analysis's run history limits (Argo's successfulRunHistoryLimit / unsuccessfulRunHistoryLimit): finished
 * AnalysisRuns of earlier revisions beyond the limits are deleted, newest kept. Runs of the revision under way
 * are all kept (decide() finds its gates by run name, so deleting one would start it again), and so is any
 * run the status names or that still measures.
 */
import { revisionRunPrefix } from "./analysis-runs.ts";
import { act, type DecideContext } from "./context.ts";
import type { ObservedAnalysisRun } from "./observed.ts";

type Outcome = "successful" | "unsuccessful" | "unfinished";

/**
 * Argo's classes: Successful is successful; Failed, Error and Inconclusive are not. A run stopped early
 * (spec.terminate, as an abort does) settles Successful but passed no gate, so it counts as unsuccessful.
 */
export function runOutcome(run: ObservedAnalysisRun): Outcome {
  if (run.phase === "Successful") return run.terminated ? "unsuccessful" : "successful";
  if (run.phase === "Failed" || run.phase === "Error" || run.phase === "Inconclusive") return "unsuccessful";
  return "unfinished";
}

/** Runs the status names, as read or as this plan writes it: a run just let go is still shown until the write lands. */
function namedByStatus(ctx: DecideContext): Set<string> {
  const names = [ctx.rollout.status ?? {}, ctx.status].flatMap(({ canary, blueGreen }) => [
    canary?.currentStepAnalysisRun,
    canary?.currentBackgroundAnalysisRun,
    blueGreen?.prePromotionAnalysisRun,
    blueGreen?.postPromotionAnalysisRun,
  ]);
  return new Set(names.filter((n): n is string => n !== undefined));
}

/**
 * Newest first. creationTimestamp has whole seconds, so runs of one second are told apart by their revision
 * (the sluice.dev/revision of the ReplicaSet their name carries the hash of; 0 once it is gone), then by name.
 */
function newestFirst(ctx: DecideContext): (a: ObservedAnalysisRun, b: ObservedAnalysisRun) => number {
  const revisionOf = (run: ObservedAnalysisRun): number =>
    ctx.observed.replicaSets.find((rs) => run.name.startsWith(`${revisionRunPrefix(ctx.rollout.metadata.name, rs.podHash)}-`))?.revision ?? 0;
  return (a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? "") || revisionOf(b) - revisionOf(a) || b.name.localeCompare(a.name);
}

export function deleteOldAnalysisRuns(ctx: DecideContext): void {
  const { successfulRunHistoryLimit, unsuccessfulRunHistoryLimit } = ctx.rollout.spec.analysis;
  const inUse = namedByStatus(ctx);
  const current = ctx.currentHash === "" ? undefined : `${revisionRunPrefix(ctx.rollout.metadata.name, ctx.currentHash)}-`;
  const old = ctx.observed.analysisRuns.filter((run) => !inUse.has(run.name) && !(current && run.name.startsWith(current))).sort(newestFirst(ctx));
  const kept = { successful: 0, unsuccessful: 0 };
  const limit = { successful: successfulRunHistoryLimit, unsuccessful: unsuccessfulRunHistoryLimit };
  for (const run of old) {
    const outcome = runOutcome(run);
    if (outcome === "unfinished") continue;
    if (kept[outcome] < limit[outcome]) kept[outcome]++;
    else act(ctx, { kind: "DeleteAnalysisRun", name: run.name });
  }
}
