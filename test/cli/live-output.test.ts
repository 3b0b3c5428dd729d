/** The --watch output policy: throttled in-place redraws on a terminal, changed lines only into a pipe. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rolloutSchema, type Rollout } from "../../src/api/rollout.ts";
import { liveOutput, MIN_REDRAW_MS } from "../../src/cli/watch/live-output.ts";

function fakeStream(): { stream: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  return { stream: { write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream, writes };
}

const rollout = (phase: "Paused" | "Healthy", message?: string): Rollout =>
  rolloutSchema.parse({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "a" }] } }, strategy: { canary: {} } },
    status: { phase, message, stepProgress: "1/2", canary: { weights: { canary: 10, stable: 90 } } },
  });

test("on a terminal: clear and redraw, at most once per MIN_REDRAW_MS however many events arrive", async () => {
  const { stream, writes } = fakeStream();
  const out = liveOutput(stream, true);
  for (let i = 0; i < 20; i++) out.update(rollout("Paused"), () => `frame ${i}\n`);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(writes, ["\u001b[H\u001b[2Jframe 19\n"], "the first draw shows the latest state");
  out.update(rollout("Paused"), () => "frame 20\n");
  out.update(rollout("Healthy"), () => "frame 21\n");
  await new Promise((r) => setTimeout(r, MIN_REDRAW_MS / 2));
  assert.equal(writes.length, 1, "no second draw within the interval");
  await new Promise((r) => setTimeout(r, MIN_REDRAW_MS));
  assert.deepEqual(writes.slice(1), ["\u001b[H\u001b[2Jframe 21\n"], "the trailing draw shows the last state");
  out.stop();
});

test("into a pipe: one plain line per change of what the rollout says, no escape codes", () => {
  const { stream, writes } = fakeStream();
  const clock = new Date("2026-11-23T14:00:00Z");
  const out = liveOutput(stream, false, () => clock);
  out.update(rollout("Paused", "waiting for promote"), () => "unused");
  out.update(rollout("Paused", "waiting for promote"), () => "unused");
  out.update(rollout("Healthy"), () => "unused");
  out.stop();
  assert.deepEqual(writes, ["14:00:00  Paused  step 1/2  weight 10%  waiting for promote\n", "14:00:00  Healthy  step 1/2  weight 10%\n"]);
});
