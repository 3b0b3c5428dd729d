/**
 * Blue-green: the new version comes up behind the preview Service while the active Service keeps the old
 * one; after pre-promotion analysis and the promotion gate (automatic, timed, or `sluice promote`) the active
 * Service's selector moves in one write; post-promotion analysis can still switch it back.
 */
import type { BlueGreenStrategy } from "../../api/rollout.ts";
import { analysisGate, type Gate } from "../analysis-gate.ts";
import { analysisRunName, stopAnalysesExcept } from "../analysis-runs.ts";
import { act, nowIso, replicaSetFor, wakeAt, type DecideContext } from "../context.ts";
import { endControllerPauses, pauseState, startPause } from "../pauses.ts";
import { ensureReplicas, retireOthers, scaleDownAfter } from "../replica-sets.ts";
import { retryIfRequested, startRevisionIfNew } from "../revision-start.ts";
import { pinService, servicePinnedTo } from "../services.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function recordSelectors(ctx: DecideContext, bg: BlueGreenStrategy): void {
  ctx.status.blueGreen = {
    ...ctx.status.blueGreen,
    activeSelector: ctx.observed.services[bg.activeService]?.podHash,
    previewSelector: bg.previewService ? ctx.observed.services[bg.previewService]?.podHash : undefined,
  };
}

function steady(ctx: DecideContext, bg: BlueGreenStrategy): void {
  const hash = ctx.currentHash;
  const total = ctx.rollout.spec.replicas;
  const ready = ensureReplicas(ctx, hash, total);
  pinService(ctx, bg.activeService, hash);
  pinService(ctx, bg.previewService, hash);
  stopAnalysesExcept(ctx, []);
  retireOthers(ctx, [hash], bg.scaleDownDelaySeconds);
  const s = ctx.status;
  s.stableRS = hash;
  s.currentPodHash = hash;
  s.abort = undefined;
  s.abortedAt = undefined;
  s.promoteFull = undefined;
  s.currentStepIndex = undefined;
  s.stepProgress = undefined;
  endControllerPauses(ctx);
  recordSelectors(ctx, bg);
  s.blueGreen = { activeSelector: s.blueGreen?.activeSelector, previewSelector: s.blueGreen?.previewSelector };
  const switched = servicePinnedTo(ctx, bg.activeService, hash);
  s.phase = ready && switched ? "Healthy" : "Progressing";
  s.message = ready ? (switched ? undefined : `moving Service ${bg.activeService} to ${hash}`) : `waiting for pods: ${replicaSetFor(ctx, hash)?.availableReplicas ?? 0}/${total} available`;
}

function aborted(ctx: DecideContext, bg: BlueGreenStrategy, stableHash: string): void {
  const stableReady = ensureReplicas(ctx, stableHash, ctx.rollout.spec.replicas);
  // The old version must be able to take the traffic before the active Service moves back to it.
  if (stableReady) pinService(ctx, bg.activeService, stableHash);
  stopAnalysesExcept(ctx, []);
  if (servicePinnedTo(ctx, bg.activeService, stableHash)) scaleDownAfter(ctx, ctx.currentHash, bg.abortScaleDownDelaySeconds);
  endControllerPauses(ctx);
  recordSelectors(ctx, bg);
  ctx.status.phase = "Aborted";
  if (!ctx.status.message?.startsWith("aborted")) ctx.status.message = "aborted by user; `sluice retry` runs this revision again";
}

function promotionGate(ctx: DecideContext, bg: BlueGreenStrategy): Gate {
  const preview = bg.previewService ? ` (preview: Service ${bg.previewService})` : "";
  if (!bg.autoPromotionEnabled) {
    const pause = pauseState(ctx, "BlueGreenPause");
    if (pause.state === "promoted") return { open: true };
    if (pause.state === "none") {
      startPause(ctx, "BlueGreenPause");
      act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPaused", message: `new version ${ctx.currentHash} is ready${preview}; waiting for promote` });
    }
    return { open: false, phase: "Paused", message: `new version ready${preview}: waiting for promote` };
  }
  if (bg.autoPromotionSeconds === undefined || bg.autoPromotionSeconds === 0) return { open: true };
  const pause = pauseState(ctx, "BlueGreenPause");
  if (pause.state === "promoted") return { open: true };
  const since = pause.state === "paused" ? pause.since : startPause(ctx, "BlueGreenPause");
  const at = since + bg.autoPromotionSeconds * 1000;
  if (ctx.now.getTime() >= at) return { open: true };
  wakeAt(ctx, at);
  return { open: false, phase: "Paused", message: `new version ready${preview}: promoting automatically at ${iso(at)}` };
}

export function decideBlueGreen(ctx: DecideContext, bg: BlueGreenStrategy): void {
  const s = ctx.status;
  const stableHash = s.stableRS;
  if (stableHash === undefined || stableHash === ctx.currentHash) return steady(ctx, bg);
  startRevisionIfNew(ctx, stableHash, `bringing it up behind ${bg.previewService ? `Service ${bg.previewService}` : "no preview Service"}`);
  retryIfRequested(ctx);
  retireOthers(ctx, [stableHash, ctx.currentHash], 0);
  if (s.abort) {
    s.abortedAt ??= nowIso(ctx);
    return aborted(ctx, bg, stableHash);
  }
  recordSelectors(ctx, bg);
  if (ctx.rollout.spec.paused) {
    s.phase = "Paused";
    s.message = "paused by the user; `sluice resume` continues";
    return;
  }

  const total = ctx.rollout.spec.replicas;
  const switched = servicePinnedTo(ctx, bg.activeService, ctx.currentHash);
  if (!switched) {
    // Never shrink the preview back once promotion has scaled it up.
    const previewTarget = Math.min(total, Math.max(bg.previewReplicaCount ?? total, replicaSetFor(ctx, ctx.currentHash)?.replicas ?? 0));
    const previewReady = ensureReplicas(ctx, ctx.currentHash, previewTarget);
    ensureReplicas(ctx, stableHash, total);
    if (!previewReady) {
      s.phase = "Progressing";
      s.message = `waiting for preview pods: ${replicaSetFor(ctx, ctx.currentHash)?.availableReplicas ?? 0}/${previewTarget} available`;
      return;
    }
    // Only now does the preview Service move: whoever tests through it never meets a version with no ready pods.
    pinService(ctx, bg.previewService, ctx.currentHash);
    let gate: Gate = { open: true };
    if (bg.prePromotionAnalysis && !s.promoteFull) {
      const name = analysisRunName(ctx, "prePromotion");
      s.blueGreen = { ...s.blueGreen, prePromotionAnalysisRun: name };
      gate = analysisGate(ctx, name, "prePromotion", bg.prePromotionAnalysis, "pre-promotion analysis");
      if (s.abort) return aborted(ctx, bg, stableHash);
    }
    if (gate.open && !s.promoteFull) gate = promotionGate(ctx, bg);
    if (!gate.open) {
      s.phase = gate.phase;
      s.message = gate.message;
      return;
    }
    // Promotion: the new version at full size first, then the switch in one write.
    if (!ensureReplicas(ctx, ctx.currentHash, total)) {
      s.phase = "Progressing";
      s.message = `promoting: scaling the new version to ${total} pods before the switch`;
      return;
    }
    pinService(ctx, bg.activeService, ctx.currentHash);
    act(ctx, { kind: "Event", type: "Normal", reason: "ActiveServiceSwitched", message: `Service ${bg.activeService} now selects ${ctx.currentHash} (was ${stableHash})` });
    s.phase = "Progressing";
    s.message = `switching Service ${bg.activeService} to the new version`;
    return;
  }

  // Switched: the new version serves production.
  endControllerPauses(ctx);
  ensureReplicas(ctx, ctx.currentHash, total);
  if (bg.postPromotionAnalysis && !s.promoteFull) {
    const name = analysisRunName(ctx, "postPromotion");
    s.blueGreen = { ...s.blueGreen, postPromotionAnalysisRun: name };
    const gate = analysisGate(ctx, name, "postPromotion", bg.postPromotionAnalysis, "post-promotion analysis");
    if (s.abort) return aborted(ctx, bg, stableHash);
    if (!gate.open) {
      s.phase = gate.phase;
      s.message = gate.message;
      return;
    }
  }
  act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPromoted", message: `revision ${ctx.currentHash} is now stable (was ${stableHash})` });
  s.stableRS = ctx.currentHash;
  steady(ctx, bg);
}
