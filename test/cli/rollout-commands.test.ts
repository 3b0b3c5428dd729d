/**
 * promote, abort, retry, pause, resume, restart, set image and undo against the sandbox API server with a
 * real controller: the exit code, what was printed, and the object state the write produced.
 */
import assert from "node:assert/strict";
import { after, before, suite, test } from "node:test";
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

const sluice = (...args: string[]) => runCliAsync([...args, "--kubeconfig", env.server.kubeconfigPath, "-n", "default"]);

type Spec = { paused?: boolean; template: { metadata?: { annotations?: Record<string, string> }; spec: { containers: { name: string; image: string }[] } } };
const specOf = (r: KubeObject) => r.spec as Spec;

const canary = (name: string, steps: unknown[]): KubeObject =>
  rolloutObject(name, { strategy: { canary: { steps } }, containers: [{ name: "app", image: "acme/web:1" }, { name: "proxy", image: "envoy:1" }] });

const until = (name: string, check: (s: ReturnType<typeof statusOf>, r: KubeObject) => boolean) => async () => {
  const r = await env.rollout(name);
  return check(statusOf(r), r) ? statusOf(r) : undefined;
};

// Each test has its own Rollout, so they run side by side (the CLI spends most of its time starting up).
suite("rollout commands", { concurrency: true }, () => {
test("a canary driven from the CLI: refusals on a Healthy rollout, set image, promote through a pause and an analysis step", async () => {
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "never-done", namespace: "default" },
    spec: { metrics: [{ name: "errors", successCondition: { max: 0.01 }, provider: { prometheus: { query: "vector(0)" } } }] },
  });
  await env.kube.create(canary("web", [{ setWeight: 50 }, { pause: {} }, { analysis: { templates: [{ templateName: "never-done" }] } }, { setWeight: 75 }]));
  const v1 = await env.waitFor("v1 Healthy", until("web", (s) => s.phase === "Healthy"));

  for (const command of ["promote", "abort"]) {
    const refused = await sluice(command, "web");
    assert.equal(refused.code, 1, `${command} of a Healthy rollout`);
    assert.match(refused.stderr, new RegExp(`^error: rollout "web" is Healthy: nothing to ${command}`));
    assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace");
  }
  const notAborted = await sluice("retry", "web");
  assert.equal(notAborted.code, 1);
  assert.match(notAborted.stderr, /is not aborted \(Healthy\)/);
  const missing = await sluice("promote", "nope");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: rollout "nope" not found in namespace "default"/);

  const unknown = await sluice("set", "image", "web", "db=postgres:16");
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /has no container "db"; its containers: app, proxy/);

  const before = await env.rollout("web");
  const set = await sluice("set", "image", "web", "app=acme/web:2");
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'rollout "web" container "app" image acme/web:1 -> acme/web:2\n');
  const after = await env.rollout("web");
  const expected = structuredClone(specOf(before));
  expected.template.spec.containers[0]!.image = "acme/web:2";
  assert.deepEqual(specOf(after), expected, "only that container's image changed");

  const paused = await env.waitFor("paused at step 2", until("web", (s) => s.phase === "Paused" && s.currentStepIndex === 1));
  assert.notEqual(paused.currentPodHash, v1.stableRS);
  const promoted = await sluice("promote", "web");
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.equal(promoted.stdout, `rollout "web" promoted: ended the pause step (${paused.currentPodHash}/step-1)\n`);

  // Step 3 is an analysis nobody completes (no metric provider here): promote skips it.
  const analysing = await env.waitFor("running the step analysis", until("web", (s) => s.currentStepIndex === 2 && s.canary?.currentStepAnalysisRun !== undefined));
  assert.equal(analysing.phase, "Progressing");
  const skipped = await sluice("promote", "web");
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(skipped.stdout, 'rollout "web" promoted: skipped step 3/4 (analysis never-done)\n');
  await env.waitFor("v2 Healthy", until("web", (s) => s.phase === "Healthy" && s.stableRS === paused.currentPodHash));
});

test("pause and resume set spec.paused; abort, retry and promote --full write the status the controller acts on", async () => {
  await env.kube.create(canary("api", [{ setWeight: 50 }, { pause: {} }, { setWeight: 75 }, { pause: {} }]));
  const v1 = await env.waitFor("v1 Healthy", until("api", (s) => s.phase === "Healthy"));

  const paused = await sluice("pause", "api");
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /^rollout "api" paused/);
  assert.equal(specOf(await env.rollout("api")).paused, true);
  const again = await sluice("pause", "api");
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already paused; `sluice resume api`/);
  const promoteWhilePaused = await sluice("set", "image", "api", "app=acme/web:2");
  assert.equal(promoteWhilePaused.code, 0);
  await env.waitFor("user pause seen", until("api", (s) => s.phase === "Paused" && (s.pauseConditions ?? []).some((p) => p.reason === "UserPause")));
  const refused = await sluice("promote", "api");
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /paused by the user \(spec\.paused\); use `sluice resume api`/);
  const resumed = await sluice("resume", "api");
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.stdout, 'rollout "api" resumed\n');
  assert.equal(specOf(await env.rollout("api")).paused, false);

  await env.waitFor("at the pause step", until("api", (s) => s.phase === "Paused" && s.currentStepIndex === 1));
  const aborted = await sluice("abort", "api");
  assert.equal(aborted.code, 0, aborted.stderr);
  assert.equal(aborted.stdout, `rollout "api" aborted: all traffic goes back to the stable version (${v1.stableRS})\n`);
  const abortedStatus = await env.waitFor("Aborted", until("api", (s) => s.phase === "Aborted"));
  assert.equal(abortedStatus.abort, true);
  // Stable scales back up first, then the canary pods go: the weight follows the pods.
  await env.waitFor("all traffic on stable", until("api", (s) => s.canary?.weights?.canary === 0 && s.canary.weights.stable === 100));
  const promoteAborted = await sluice("promote", "api");
  assert.equal(promoteAborted.code, 1);
  assert.match(promoteAborted.stderr, /is aborted; use `sluice retry api` first/);
  assert.equal((await sluice("abort", "api")).code, 1);

  const retried = await sluice("retry", "api");
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /^rollout "api" retried: revision \w+ starts again from the first step\n$/);
  const again2 = await env.waitFor("retried to the pause", until("api", (s) => s.phase === "Paused" && s.currentStepIndex === 1));
  assert.equal((await env.rollout("api")).status && (statusOf(await env.rollout("api")).abort ?? false), false);
  assert.equal(((await env.rollout("api")).status as { retryCount?: number }).retryCount, 1);

  const full = await sluice("promote", "api", "--full");
  assert.equal(full.code, 0, full.stderr);
  assert.equal(full.stdout, 'rollout "api" fully promoted: skipping every remaining step and analysis\n');
  await env.waitFor("v2 Healthy", until("api", (s) => s.phase === "Healthy" && s.stableRS === again2.currentPodHash));
});

test("restart makes a new revision through the steps; undo puts the previous template back", async () => {
  await env.kube.create(canary("cart", [{ setWeight: 50 }, { pause: {} }]));
  const v1 = await env.waitFor("v1 Healthy", until("cart", (s) => s.phase === "Healthy"));
  const restarted = await sluice("restart", "cart");
  assert.equal(restarted.code, 0, restarted.stderr);
  const annotation = specOf(await env.rollout("cart")).template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"] ?? "";
  assert.match(annotation, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(annotation) - Date.now()) < 60_000);
  assert.match(restarted.stdout, new RegExp(`restarted: .*restartedAt=${annotation}`));
  const r2 = await env.waitFor("restart walks the steps", until("cart", (s) => s.phase === "Paused" && s.currentStepIndex === 1));
  assert.notEqual(r2.currentPodHash, v1.stableRS);
  assert.equal((await sluice("promote", "cart")).code, 0);
  await env.waitFor("restart Healthy", until("cart", (s) => s.phase === "Healthy" && s.stableRS === r2.currentPodHash));

  const none = await sluice("undo", "cart", "--to-revision", "9");
  assert.equal(none.code, 1);
  assert.match(none.stderr, /has no revision 9; known revisions: 2 \(\w+\), 1 \(\w+\)/);
  const undone = await sluice("undo", "cart");
  assert.equal(undone.code, 0, undone.stderr);
  assert.equal(undone.stdout, `rollout "cart" rolled back to revision 1 (${v1.stableRS}): the controller rolls it out through the steps\n`);
  const template = specOf(await env.rollout("cart")).template as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
  assert.equal(template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"], undefined, "revision 1 had no restart annotation");
  assert.deepEqual(template.metadata?.labels, { app: "cart" }, "no pod-template-hash label in the Rollout's template");
  const back = await env.waitFor("undo walks the steps", until("cart", (s) => s.phase === "Paused" && s.currentStepIndex === 1));
  assert.equal(back.currentPodHash, v1.stableRS, "the same template hashes to the same revision");
});

test("blue-green: promote ends the pause before the switch", async () => {
  for (const name of ["bg", "bg-preview"]) {
    await env.kube.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "bg" }, ports: [{ port: 80 }] } });
  }
  const rollout = canary("bg", []);
  (rollout.spec as { strategy: unknown }).strategy = { blueGreen: { activeService: "bg", previewService: "bg-preview", autoPromotionEnabled: false, scaleDownDelaySeconds: 0 } };
  await env.kube.create(rollout);
  await env.waitFor("v1 Healthy", until("bg", (s) => s.phase === "Healthy"));
  assert.equal((await sluice("set", "image", "bg", "app=acme/web:2", "proxy=envoy:2")).code, 0);
  const preview = await env.waitFor("waiting for promote", until("bg", (s) => s.phase === "Paused"));
  const promoted = await sluice("promote", "bg");
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.equal(promoted.stdout, `rollout "bg" promoted: ended the blue-green pause before the switch (${preview.currentPodHash}/promotion)\n`);
  await env.waitFor("switched", until("bg", (s) => s.phase === "Healthy" && s.stableRS === preview.currentPodHash));
});
});
