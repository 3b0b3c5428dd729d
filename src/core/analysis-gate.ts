/**
 * How any analysis (a canary step, the background run, blue-green pre/post promotion) holds a rollout:
 * Successful lets it go on, Failed or Error aborts, Inconclusive holds at the analysis' gate until a promote
 * releases that gate (or the user aborts), anything else keeps it waiting.
 */
import type { RolloutAnalysis } from "../api/analysis-refs.ts";
import { describeFailure, ensureAnalysis, failureDetails } from "./analysis-runs.ts";
import { act, nowIso, type DecideContext } from "./context.ts";
import { endGate, holdAt, isReleased } from "./gates.ts";
import type { AnalysisRole } from "./plan.ts";
import { abortWith } from "./revision-start.ts";

export type Gate = { open: true } | { open: false; phase: "Progressing" | "Paused"; message: string };

/**
 * `what` names the analysis in messages ("pre-promotion analysis"); `gate` is the gate a promote releases to go
 * on without it. Sets status.abort on failure.
 */
export function analysisGate(ctx: DecideContext, name: string, role: AnalysisRole, analysis: RolloutAnalysis, what: string, gate: string): Gate {
  // Released (`sluice promote` while it ran or was inconclusive): go on without waiting for it.
  if (isReleased(ctx, gate)) return { open: true };
  const outcome = ensureAnalysis(ctx, name, role, analysis);
  if (outcome.state === "successful") {
    endGate(ctx, gate);
    return { open: true };
  }
  if (outcome.state === "failed") {
    abortWith(ctx, describeFailure(name, outcome.run), nowIso(ctx), failureDetails(name, outcome.run));
    return { open: false, phase: "Progressing", message: ctx.status.message ?? "" };
  }
  if (outcome.state === "inconclusive") {
    const detail = outcome.run.message ? ` (${outcome.run.message})` : "";
    const hold = holdAt(ctx, gate, "InconclusiveAnalysis");
    if (hold.state === "released") return { open: true };
    if (hold.started) {
      act(ctx, { kind: "Event", type: "Warning", reason: "InconclusiveAnalysis", message: `${what} ${name} is inconclusive${detail}; promote to go on or abort` });
    }
    return { open: false, phase: "Paused", message: `${what} inconclusive${detail}; promote to go on or abort` };
  }
  return { open: false, phase: "Progressing", message: `${what} running (${name})` };
}
