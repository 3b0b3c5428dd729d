/**
 * Show a changing rollout: on a terminal, redraw the whole view in place (at most every 250 ms, and once a
 * second so pause countdowns move); into a pipe or file, append one plain line whenever the summary changes.
 */
import type { Rollout } from "../../api/rollout.ts";

export const MIN_REDRAW_MS = 250;
const CLEAR_SCREEN = "\u001b[H\u001b[2J";

/** "14:02:03  Paused  step 2/7  weight 10%  paused at step 2/7: waiting for promote" */
export function summaryLine(rollout: Rollout, now: Date): string {
  const s = rollout.status ?? {};
  const weights = rollout.spec.strategy.canary && s.canary?.weights ? `  weight ${s.canary.weights.canary}%` : "";
  const step = s.stepProgress ? `  step ${s.stepProgress}` : "";
  return `${now.toISOString().slice(11, 19)}  ${s.phase ?? "Progressing"}${step}${weights}${s.message ? `  ${s.message}` : ""}`;
}

export type LiveOutput = { update(rollout: Rollout, frame: () => string): void; stop(): void };

export function liveOutput(out: NodeJS.WriteStream, isTTY: boolean, now: () => Date = () => new Date()): LiveOutput {
  let frame: (() => string) | undefined;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | undefined;
  let lastSummary = "";
  const draw = () => {
    pending = undefined;
    if (!frame) return;
    lastDraw = Date.now();
    out.write(CLEAR_SCREEN + frame());
  };
  const tick = isTTY ? setInterval(draw, 1000) : undefined;
  return {
    update(rollout, render) {
      if (!isTTY) {
        const line = summaryLine(rollout, now());
        // The time changes every second; only a change in what the rollout says is news.
        if (line.slice(10) !== lastSummary) out.write(`${line}\n`);
        lastSummary = line.slice(10);
        return;
      }
      frame = render;
      if (pending) return;
      pending = setTimeout(draw, Math.max(0, lastDraw + MIN_REDRAW_MS - Date.now()));
    },
    stop() {
      if (tick) clearInterval(tick);
      if (pending) clearTimeout(pending);
    },
  };
}
