/** get rollout(s), get --watch and status against the sandbox API server with a real controller. */
import assert from "node:assert/strict";
import { after, before, suite, test } from "node:test";
import { parse } from "yaml";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";
import { runCliAsync } from "../helpers/run-cli.ts";

let env: Env;
before(async () => {
  env = await startEnv();
  await env.startController();
});
after(async () => env?.stop());

const sluice = (args: string[], options: { onStdout?: (text: string) => void } = {}) =>
  runCliAsync([...args, "--kubeconfig", env.server.kubeconfigPath, "-n", "default"], options);

const canary = (name: string, steps: unknown[]): KubeObject => rolloutObject(name, { strategy: { canary: { steps } } });

const until = (name: string, check: (s: ReturnType<typeof statusOf>) => boolean) => async () => {
  const s = statusOf(await env.rollout(name));
  return check(s) ? s : undefined;
};

async function newRevisionPaused(name: string): Promise<ReturnType<typeof statusOf>> {
  await env.kube.create(canary(name, [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }]));
  await env.waitFor("v1 Healthy", until(name, (s) => s.phase === "Healthy"));
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/web:2" }] } } } });
  return env.waitFor("paused at step 2", until(name, (s) => s.phase === "Paused" && s.currentStepIndex === 1));
}

suite("get and status", { concurrency: true }, () => {
  test("get rollout shows the view; -o json/yaml the object; get rollouts the table; an unknown name exits 1", async () => {
    const paused = await newRevisionPaused("view");
    const shown = await sluice(["get", "rollout", "view"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Name:\s+view\nNamespace:\s+default\nStrategy:\s+Canary \(replica ratio\)\nPhase:\s+‖ Paused \(CanaryPauseStep for [\dms]+\)\n/);
    assert.match(shown.stdout, /Message:\s+paused at step 2\/3: waiting for promote\n/);
    assert.match(shown.stdout, /  ✔ 1  set weight 50%\n  ► 2  pause until promoted\n  · 3  set weight 100%\n/);
    assert.match(shown.stdout, /Weight:\s+desired 50%, actual 50% \(stable 50%\)/);
    assert.match(shown.stdout, /acme\/web:1 \(stable\)\n\s+acme\/web:2 \(canary\)/);
    assert.match(shown.stdout, new RegExp(`  ${paused.currentPodHash}\\s+2\\s+canary\\s+1/1\\s+acme/web:2\\n  ${paused.stableRS}\\s+1\\s+stable\\s+1/1\\s+acme/web:1`));
    assert.doesNotMatch(shown.stdout, /\u001b\[/, "no colours into a pipe");

    const json = await sluice(["get", "rollout", "view", "-o", "json"]);
    assert.equal(json.code, 0);
    const object = JSON.parse(json.stdout) as KubeObject;
    assert.equal(object.metadata.name, "view");
    assert.equal(statusOf(object).currentPodHash, paused.currentPodHash);
    const yaml = await sluice(["get", "rollout", "view", "-o", "yaml"]);
    assert.deepEqual(parse(yaml.stdout), object);

    const list = await sluice(["get", "rollouts"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+STRATEGY\s+PHASE\s+STEP\s+WEIGHT\s+AGE\s+MESSAGE\n/);
    assert.match(list.stdout, /\nview\s+canary\s+Paused\s+2\/3\s+50\/50\s+\d+[smh]\s+paused at step 2\/3: waiting for promote\n/);
    // -A lists every namespace, with a NAMESPACE column.
    await env.kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "elsewhere" } });
    await env.kube.create({ ...canary("other", []), metadata: { name: "other", namespace: "elsewhere" } });
    const everywhere = await sluice(["get", "rollouts", "-A"]);
    assert.equal(everywhere.code, 0, everywhere.stderr);
    assert.match(everywhere.stdout, /^NAMESPACE\s+NAME\s+STRATEGY/);
    assert.match(everywhere.stdout, /\ndefault\s+view\s+canary/);
    assert.match(everywhere.stdout, /\nelsewhere\s+other\s+canary/);
    assert.doesNotMatch((await sluice(["get", "rollouts"])).stdout, /other/, "without -A only the namespace");

    const missing = await sluice(["get", "rollout", "nope"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /^error: rollout "nope" not found in namespace "default"/);
  });

  test("get rollout --watch into a pipe appends a line per change and exits 0 on SIGINT", async () => {
    await newRevisionPaused("watched");
    let seen = "";
    const running = sluice(["get", "rollout", "watched", "--watch"], { onStdout: (t) => (seen += t) });
    await env.waitFor("first line", async () => (seen.includes("Paused") ? true : undefined));
    assert.match(seen.split("\n")[0] ?? "", /^\d\d:\d\d:\d\d  Paused  step 2\/3  weight 50%  paused at step 2\/3: waiting for promote$/);
    await env.promote("watched");
    await env.waitFor("Healthy line", async () => (/  Healthy/.test(seen) ? true : undefined));
    running.child.kill("SIGINT");
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const lines = result.stdout.trim().split("\n").map((l) => l.slice(10));
    assert.equal(new Set(lines).size, lines.length, "a line only when something changed");
  });

  test("status: 0 once Healthy on the new revision, with progress lines; 2 on timeout", async () => {
    const paused = await newRevisionPaused("piped");
    const timedOut = await sluice(["status", "piped", "--timeout", "1s"]);
    assert.equal(timedOut.code, 2);
    assert.match(timedOut.stderr, /^error: rollout "piped" did not finish within 1s \(still Paused: paused at step 2\/3: waiting for promote\)\n$/);

    let seen = "";
    const waiting = sluice(["status", "piped", "--timeout", "60s"], { onStdout: (t) => (seen += t) });
    await env.waitFor("status started", async () => (seen.includes("Paused") ? true : undefined));
    await env.promote("piped");
    const done = await waiting;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Paused  step 2\/3/);
    assert.ok(done.stdout.endsWith(`rollout "piped" is Healthy: revision ${paused.currentPodHash} serves all traffic\n`), done.stdout);
    assert.equal(statusOf(await env.rollout("piped")).stableRS, paused.currentPodHash);
  });

  test("status: 1 with the reason when the rollout is aborted", async () => {
    await newRevisionPaused("failing");
    const waiting = sluice(["status", "failing", "--timeout", "60s"]);
    await env.patchRolloutStatus("failing", (s) => ({ ...s, abort: true }));
    const result = await waiting;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: rollout "failing" is Aborted: aborted by user; `sluice retry` runs this revision again\n$/);
    const bad = await sluice(["status", "failing", "--timeout", "soon"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--timeout must be a duration/);
  });
});
