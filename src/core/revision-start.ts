/** What both strategies do when the template changes or an aborted revision is retried. */
import { act, nowIso, type DecideContext } from "./context.ts";
import type { EventDetails } from "./plan.ts";
import { endControllerPauses } from "./gates.ts";

/** Reset the per-revision status when the template hash differs from the one the status is about. */
export function startRevisionIfNew(ctx: DecideContext, stableHash: string, firstStep: string): void {
  const s = ctx.status;
  if (s.currentPodHash === ctx.currentHash) return;
  const previous = s.currentPodHash;
  s.currentPodHash = ctx.currentHash;
  s.currentStepIndex = 0;
  s.abort = undefined;
  s.abortedAt = undefined;
  s.promoteFull = undefined;
  s.retryCount = undefined;
  s.servingSince = undefined;
  s.releasedGates = undefined;
  s.canary = { weights: s.canary?.weights };
  s.blueGreen = { activeSelector: s.blueGreen?.activeSelector, previewSelector: s.blueGreen?.previewSelector };
  endControllerPauses(ctx);
  const replaces = previous && previous !== stableHash ? ` replaces ${previous} mid-rollout` : "";
  act(ctx, { kind: "Event", type: "Normal", reason: "NewRevision", message: `new revision ${ctx.currentHash}${replaces}; ${firstStep}` });
}

/** `sluice retry` clears status.abort; abortedAt still set means this is a retry: run the revision again. */
export function retryIfRequested(ctx: DecideContext): void {
  const s = ctx.status;
  if (s.abortedAt === undefined || s.abort) return;
  s.retryCount = (s.retryCount ?? 0) + 1;
  s.servingSince = undefined;
  s.releasedGates = undefined;
  s.promoteFull = undefined;
  s.abortedAt = undefined;
  s.currentStepIndex = 0;
  s.canary = { weights: s.canary?.weights };
  s.blueGreen = { activeSelector: s.blueGreen?.activeSelector, previewSelector: s.blueGreen?.previewSelector };
  endControllerPauses(ctx);
  act(ctx, { kind: "Event", type: "Normal", reason: "RolloutRetried", message: `retrying revision ${ctx.currentHash} from the start` });
}

export function abortWith(ctx: DecideContext, reason: string, timestamp: string, details?: EventDetails): void {
  ctx.status.abort = true;
  ctx.status.abortedAt = timestamp;
  ctx.status.message = `aborted: ${reason}`;
  act(ctx, { kind: "Event", type: "Warning", reason: "RolloutAborted", message: `${reason}; sending all traffic back to stable`, ...(details ? { details } : {}) });
}

/**
 * The current revision serves production traffic now (`serving`): record since when, once per attempt. Read
 * back, never assumed from what sluice asked for: a weight the router reports, pods that are available, a
 * Service that selects them.
 */
export function markServing(ctx: DecideContext, serving: boolean): void {
  if (serving) ctx.status.servingSince ??= nowIso(ctx);
}
