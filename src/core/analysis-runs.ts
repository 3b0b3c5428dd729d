/**
 * AnalysisRuns the rollout needs, by deterministic name: the same (revision, step, retry) always gives the
 * same name, so a restart finds the run it started instead of starting a duplicate.
 */
import type { RolloutAnalysis } from "../api/analysis-refs.ts";
import type { RolloutStatus } from "../api/rollout.ts";
import { act, type DecideContext } from "./context.ts";
import { backgroundRound } from "./gates.ts";
import type { ObservedAnalysisRun } from "./observed.ts";
import type { AnalysisRole, EventDetails } from "./plan.ts";

const ROLE_SUFFIX: Record<Exclude<AnalysisRole, "step">, string> = { background: "bg", prePromotion: "pre", postPromotion: "post" };

/**
 * The run for `role` of the revision `status` is about. A background analysis released from an inconclusive
 * result goes on with a fresh run, numbered by its round.
 */
export function runName(rolloutName: string | undefined, status: RolloutStatus, role: AnalysisRole, stepIndex?: number): string {
  const retry = status.retryCount ? `-r${status.retryCount}` : "";
  const round = role === "background" ? backgroundRound(status) : 0;
  const suffix = role === "step" ? String(stepIndex ?? 0) : `${ROLE_SUFFIX[role]}${round > 0 ? `-${round + 1}` : ""}`;
  return `${revisionRunPrefix(rolloutName, status.currentPodHash ?? "")}${retry}-${suffix}`;
}

/** What every run name of one revision starts with. */
export function revisionRunPrefix(rolloutName: string | undefined, podHash: string): string {
  // Names are at most 253 characters; a long rollout name is cut so the distinguishing suffix survives.
  return `${(rolloutName ?? "rollout").slice(0, 200)}-${podHash}`;
}

/**
 * The role of `name` when it is a run of this revision's attempt (`retryCount`, as runName numbers them), else
 * undefined: the inverse of runName, so the runs of one attempt are found by name after a restart.
 */
export function roleOfRun(name: string, rolloutName: string | undefined, podHash: string, retryCount: number | undefined): AnalysisRole | undefined {
  const prefix = `${revisionRunPrefix(rolloutName, podHash)}${retryCount ? `-r${retryCount}` : ""}-`;
  if (podHash === "" || !name.startsWith(prefix)) return undefined;
  const suffix = name.slice(prefix.length);
  if (/^\d+$/.test(suffix)) return "step";
  const role = (Object.keys(ROLE_SUFFIX) as Exclude<AnalysisRole, "step">[]).find((r) => new RegExp(`^${ROLE_SUFFIX[r]}(-\\d+)?$`).test(suffix));
  return role;
}

export function analysisRunName(ctx: DecideContext, role: AnalysisRole, stepIndex?: number): string {
  return runName(ctx.rollout.metadata.name, { ...ctx.status, currentPodHash: ctx.currentHash }, role, stepIndex);
}

export type AnalysisOutcome =
  | { state: "running"; run: ObservedAnalysisRun | undefined }
  | { state: "successful"; run: ObservedAnalysisRun }
  | { state: "inconclusive"; run: ObservedAnalysisRun }
  | { state: "failed"; run: ObservedAnalysisRun };

/** Start the run if it does not exist yet; report where it stands. */
export function ensureAnalysis(ctx: DecideContext, name: string, role: AnalysisRole, analysis: RolloutAnalysis): AnalysisOutcome {
  const run = ctx.observed.analysisRuns.find((r) => r.name === name);
  if (!run) {
    act(ctx, {
      kind: "StartAnalysis",
      name,
      role,
      analysis,
      latestPodHash: ctx.currentHash,
      stablePodHash: ctx.status.stableRS,
    });
    return { state: "running", run: undefined };
  }
  // A run told to stop (spec.terminate) settles where it stands; having stopped early, it never passes a gate.
  if (run.phase === "Successful" && run.terminated) return { state: "inconclusive", run: { ...run, message: `stopped before it finished${run.message ? ` (${run.message})` : ""}` } };
  if (run.phase === "Successful") return { state: "successful", run };
  if (run.phase === "Inconclusive") return { state: "inconclusive", run };
  if (run.phase === "Failed" || run.phase === "Error") return { state: "failed", run };
  return { state: "running", run };
}

/** Stop every run of this rollout that is still going but no longer wanted. */
export function stopAnalysesExcept(ctx: DecideContext, wanted: string[]): void {
  for (const run of ctx.observed.analysisRuns) {
    const going = run.phase === undefined || run.phase === "Pending" || run.phase === "Running";
    if (going && !run.terminated && !wanted.includes(run.name)) act(ctx, { kind: "StopAnalysis", name: run.name });
  }
}

export function describeFailure(name: string, run: ObservedAnalysisRun): string {
  return `analysis ${name} ${run.phase === "Error" ? "errored" : "failed"}${run.message ? `: ${run.message}` : ""}`;
}

/** The same failure as data, for the abort's Event: which run, and the metrics that failed it. */
export function failureDetails(name: string, run: ObservedAnalysisRun): EventDetails {
  return { failedAnalysis: { run: name, phase: run.phase === "Error" ? "Error" : "Failed", metrics: run.failedMetrics ?? [] } };
}
