/**
 * A watch that keeps failing is restarted with exponential backoff and jitter up to a cap, each restart logged
 * with the attempt and the delay; once a restarted watch has stayed healthy the backoff starts over.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { InformerClusterView } from "../../src/controller/cluster-view.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";

let env: Env;
let view: InformerClusterView | undefined;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await view?.stop();
  await env?.stop();
});

type Line = { retry?: string; attempt?: number; delayMs?: number; kind?: string };

test("informer restarts back off exponentially with jitter to a cap, and start over after a healthy watch", { timeout: 30_000 }, async () => {
  const lines: Line[] = [];
  const log = pino({ level: "debug" }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Line), done()) }));
  const restart = { initialDelayMs: 40, maxDelayMs: 400, healthyAfterMs: 500 };
  view = new InformerClusterView(env.kc, "default", () => undefined, log, { restart });
  await view.start();
  assert.ok(view.hasSynced());
  const rolloutRetries = () => lines.filter((l) => l.kind === "Rollout" && l.attempt !== undefined);

  // Every Rollout watch now fails at once with a 500; cut the open one.
  env.server.faults.setRules([{ fault: "error500", fraction: 1, verbs: ["watch"], resources: ["rollouts.sluice.dev"] }]);
  env.server.faults.dropWatches();
  await new Promise((r) => setTimeout(r, 3_000));
  const failing = rolloutRetries();
  const delays = failing.map((l) => l.delayMs ?? -1);
  assert.ok(failing.length >= 5, `only ${failing.length} restarts logged in 3 s`);
  assert.ok(failing.length <= 20, `${failing.length} restarts in 3 s: not backing off`);
  assert.deepEqual(failing.map((l) => l.attempt), failing.map((_, i) => i + 1), "attempts counted 1, 2, 3 ...");
  assert.ok(failing.every((l) => typeof l.retry === "string" && l.retry.includes("Rollout")), "each line says what is retried");
  assert.ok((delays[0] ?? 0) <= 40, `first delay ${delays[0]} ms`);
  assert.ok(delays.every((d) => d > 0 && d <= 400), `a delay beyond the 400 ms cap: ${delays.join(", ")}`);
  for (let i = 1; i < 4; i++) assert.ok((delays[i] ?? 0) >= (delays[i - 1] ?? 0), `the delay did not grow: ${delays.join(", ")}`);
  assert.ok(Math.max(...delays) >= 200, `never came near the cap: ${delays.join(", ")}`);
  assert.ok(delays.some((d, i) => i > 0 && d !== 40 * 2 ** i && d !== 400), `no jitter: ${delays.join(", ")}`);

  // Healthy again: the next restart succeeds, and after the watch stayed up the backoff is reset.
  env.server.faults.clear();
  await new Promise((r) => setTimeout(r, restart.maxDelayMs + restart.healthyAfterMs + 500));
  const before = rolloutRetries().length;
  env.server.faults.setRules([{ fault: "error500", fraction: 1, verbs: ["watch"], resources: ["rollouts.sluice.dev"] }]);
  env.server.faults.dropWatches();
  await env.waitFor("a restart after the healthy period", async () => (rolloutRetries().length > before ? true : undefined), 5_000);
  const first = rolloutRetries()[before];
  assert.equal(first?.attempt, 1, "the count starts over after a healthy watch");
  assert.ok((first?.delayMs ?? 0) <= 40, `delay after the reset ${first?.delayMs} ms`);
  env.server.faults.clear();
});
