/**
 * How any analysis (a canary step, the background run, blue-green pre/post promotion) holds a rollout:
 * Successful lets it go on, Failed or Error aborts, Inconclusive pauses until the user promotes or aborts,
 * anything else keeps it waiting.
 */
import type { RolloutAnalysis } from "../api/analysis-refs.ts";
import { describeFailure, ensureAnalysis } from "./analysis-runs.ts";
import { act, nowIso, type DecideContext } from "./context.ts";
import { pauseState, startPause } from "./pauses.ts";
import type { AnalysisRole } from "./plan.ts";
import { abortWith } from "./revision-start.ts";

export type Gate = { open: true } | { open: false; phase: "Progressing" | "Paused"; message: string };

/** `what` names the analysis in messages ("pre-promotion analysis"). Sets status.abort on failure. */
export function analysisGate(ctx: DecideContext, name: string, role: AnalysisRole, analysis: RolloutAnalysis, what: string): Gate {
  const outcome = ensureAnalysis(ctx, name, role, analysis);
  if (outcome.state === "successful") return { open: true };
  if (outcome.state === "failed") {
    abortWith(ctx, describeFailure(name, outcome.run), nowIso(ctx));
    return { open: false, phase: "Progressing", message: ctx.status.message ?? "" };
  }
  if (outcome.state === "inconclusive") {
    const pause = pauseState(ctx, "InconclusiveAnalysis");
    if (pause.state === "promoted") return { open: true };
    const detail = outcome.run.message ? ` (${outcome.run.message})` : "";
    if (pause.state === "none") {
      startPause(ctx, "InconclusiveAnalysis");
      act(ctx, { kind: "Event", type: "Warning", reason: "InconclusiveAnalysis", message: `${what} ${name} is inconclusive${detail}; promote to go on or abort` });
    }
    return { open: false, phase: "Paused", message: `${what} inconclusive${detail}; promote to go on or abort` };
  }
  return { open: false, phase: "Progressing", message: `${what} running (${name})` };
}
