/**
 * Blue-green: the new version comes up behind the preview Service while the active Service keeps the old
 * one; after pre-promotion analysis and the promotion gate (automatic, timed, or `sluice promote`) the active
 * Service's selector moves in one write; post-promotion analysis can still switch it back.
 *
 * The active Service only ever moves to a version with at least replicas - maxUnavailable available pods, and
 * a ReplicaSet the active Service selects keeps its pods, whatever revision comes next (src/core/traffic.ts).
 */
import type { BlueGreenStrategy } from "../../api/rollout.ts";
import { analysisGate, type Gate } from "../analysis-gate.ts";
import { analysisRunName, stopAnalysesExcept } from "../analysis-runs.ts";
import { act, nowIso, replicaSetFor, wakeAt, type DecideContext } from "../context.ts";
import { endControllerPauses, endGate, gateId, holdAt, isReleased } from "../gates.ts";
import { ensureReplicas, retireOthers, scaleDownAfter } from "../replica-sets.ts";
import { markServing, retryIfRequested, startRevisionIfNew } from "../revision-start.ts";
import { pinService, servicePinnedTo } from "../services.ts";
import { availableOf, rolloutFloor } from "../traffic.ts";
import { rfc3339Seconds } from "../../util/rfc3339.ts";

const iso = (ms: number) => rfc3339Seconds(ms);

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
  const switched = pinService(ctx, bg.activeService, hash, rolloutFloor(ctx.rollout));
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
  s.phase = ready && switched ? "Healthy" : "Progressing";
  if (s.phase === "Progressing") ctx.waitingOnCluster = true;
  s.message = ready ? (switched ? undefined : `moving Service ${bg.activeService} to ${hash}`) : `waiting for pods: ${availableOf(replicaSetFor(ctx, hash))}/${total} available`;
}

function aborted(ctx: DecideContext, bg: BlueGreenStrategy, stableHash: string): void {
  ensureReplicas(ctx, stableHash, ctx.rollout.spec.replicas);
  // The old version must be able to take the traffic before the active Service moves back to it.
  const back = pinService(ctx, bg.activeService, stableHash, rolloutFloor(ctx.rollout));
  stopAnalysesExcept(ctx, []);
  // The new version (and any revision in between) goes once the active Service is seen selecting the stable one.
  if (back) {
    for (const rs of ctx.observed.replicaSets) if (rs.podHash !== stableHash) scaleDownAfter(ctx, rs.podHash, bg.abortScaleDownDelaySeconds);
  } else ctx.waitingOnCluster = true;
  endControllerPauses(ctx);
  recordSelectors(ctx, bg);
  ctx.status.phase = "Aborted";
  if (!ctx.status.message?.startsWith("aborted")) ctx.status.message = "aborted by user; `sluice retry` runs this revision again";
}

function promotionGate(ctx: DecideContext, bg: BlueGreenStrategy): Gate {
  const preview = bg.previewService ? ` (preview: Service ${bg.previewService})` : "";
  const gate = gateId(ctx.status, "promotion");
  if (isReleased(ctx, gate)) return { open: true };
  if (!bg.autoPromotionEnabled) {
    const hold = holdAt(ctx, gate, "BlueGreenPause");
    if (hold.state === "released") return { open: true };
    if (hold.started) act(ctx, { kind: "Event", type: "Normal", reason: "RolloutPaused", message: `new version ${ctx.currentHash} is ready${preview}; waiting for promote` });
    return { open: false, phase: "Paused", message: `new version ready${preview}: waiting for promote` };
  }
  if (bg.autoPromotionSeconds === undefined || bg.autoPromotionSeconds === 0) return { open: true };
  const hold = holdAt(ctx, gate, "BlueGreenPause");
  if (hold.state === "released") return { open: true };
  const at = hold.since + bg.autoPromotionSeconds * 1000;
  if (ctx.now.getTime() >= at) {
    endGate(ctx, gate);
    return { open: true };
  }
  wakeAt(ctx, at);
  return { open: false, phase: "Paused", message: `new version ready${preview}: promoting automatically at ${iso(at)}` };
}

export function decideBlueGreen(ctx: DecideContext, bg: BlueGreenStrategy): void {
  const s = ctx.status;
  const stableHash = s.stableRS;
  if (stableHash === undefined || stableHash === ctx.currentHash) return steady(ctx, bg);
  startRevisionIfNew(ctx, stableHash, `bringing it up behind ${bg.previewService ? `Service ${bg.previewService}` : "no preview Service"}`);
  retryIfRequested(ctx);
  // A revision in between (promoted, then replaced during its post-promotion analysis) keeps its pods while
  // the active Service selects it, and goes after the delay once the Service has moved.
  retireOthers(ctx, [stableHash, ctx.currentHash], bg.scaleDownDelaySeconds);
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
  const floor = rolloutFloor(ctx.rollout);
  const switched = servicePinnedTo(ctx, bg.activeService, ctx.currentHash);
  // Runs of a revision this one replaced (a post-promotion analysis in flight) measure nothing that matters now.
  stopAnalysesExcept(ctx, [analysisRunName(ctx, "prePromotion"), analysisRunName(ctx, "postPromotion")]);
  if (!switched) {
    // Never shrink the preview back once promotion has scaled it up.
    const previewTarget = Math.min(total, Math.max(bg.previewReplicaCount ?? total, replicaSetFor(ctx, ctx.currentHash)?.replicas ?? 0));
    const previewReady = ensureReplicas(ctx, ctx.currentHash, previewTarget);
    ensureReplicas(ctx, stableHash, total);
    if (!previewReady) {
      s.phase = "Progressing";
      ctx.waitingOnCluster = true;
      s.message = `waiting for preview pods: ${availableOf(replicaSetFor(ctx, ctx.currentHash))}/${previewTarget} available`;
      return;
    }
    // Only now does the preview Service move: whoever tests through it never meets a version with no ready pods.
    pinService(ctx, bg.previewService, ctx.currentHash);
    let gate: Gate = { open: true };
    if (bg.prePromotionAnalysis && !s.promoteFull) {
      const name = analysisRunName(ctx, "prePromotion");
      s.blueGreen = { ...s.blueGreen, prePromotionAnalysisRun: name };
      gate = analysisGate(ctx, name, "prePromotion", bg.prePromotionAnalysis, "pre-promotion analysis", gateId(s, "pre-promotion"));
      if (s.abort) return aborted(ctx, bg, stableHash);
    }
    if (gate.open && !s.promoteFull) gate = promotionGate(ctx, bg);
    if (!gate.open) {
      s.phase = gate.phase;
      s.message = gate.message;
      return;
    }
    // Promotion: the new version at full size first, then the switch in one write.
    s.phase = "Progressing";
    ctx.waitingOnCluster = true;
    const full = ensureReplicas(ctx, ctx.currentHash, total);
    if (!full && availableOf(replicaSetFor(ctx, ctx.currentHash)) < floor) {
      s.message = `promoting: scaling the new version to ${total} pods before the switch`;
      return;
    }
    const before = ctx.actions.length;
    pinService(ctx, bg.activeService, ctx.currentHash, floor);
    if (ctx.actions.length > before) {
      act(ctx, { kind: "Event", type: "Normal", reason: "ActiveServiceSwitched", message: `Service ${bg.activeService} now selects ${ctx.currentHash} (was ${s.blueGreen?.activeSelector ?? stableHash})` });
    }
    s.message = `switching Service ${bg.activeService} to the new version`;
    return;
  }

  // Switched: the new version serves production.
  markServing(ctx, true);
  ensureReplicas(ctx, ctx.currentHash, total);
  if (bg.postPromotionAnalysis && !s.promoteFull) {
    const name = analysisRunName(ctx, "postPromotion");
    s.blueGreen = { ...s.blueGreen, postPromotionAnalysisRun: name };
    const gate = analysisGate(ctx, name, "postPromotion", bg.postPromotionAnalysis, "post-promotion analysis", gateId(s, "post-promotion"));
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
