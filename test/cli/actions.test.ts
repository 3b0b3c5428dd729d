/** The pure decisions behind promote/abort/retry/pause/set image/undo: each state's status change or refusal. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { abort, retry } from "../../src/cli/actions/abort-retry.ts";
import { withoutServerDefaults } from "../../src/cli/actions/pod-defaults.ts";
import { promote } from "../../src/cli/actions/promote.ts";
import { parseImageAssignment, restart, setImage, setPaused } from "../../src/cli/actions/spec-changes.ts";
import { undo } from "../../src/cli/actions/undo.ts";
import { RefusedError, UserError } from "../../src/cli/errors.ts";
import { rolloutSchema, type Rollout, type RolloutStatus } from "../../src/api/rollout.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { useColour } from "../../src/cli/view/style.ts";
import { runCli } from "../helpers/run-cli.ts";

const T = "2026-11-23T14:00:00Z";

function canary(status: RolloutStatus, paused = false): Rollout {
  return rolloutSchema.parse({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      paused,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "a:1" }] } },
      strategy: { canary: { steps: [{ setWeight: 10 }, { analysis: { templates: [{ templateName: "t" }] } }, { pause: {} }] } },
    },
    status,
  });
}

const inFlight: RolloutStatus = { phase: "Progressing", stableRS: "aaa", currentPodHash: "bbb", currentStepIndex: 1 };

test("promote releases the one gate that holds (background analysis first), keeps the user's pause, and records the gate", () => {
  const step = { reason: "CanaryPauseStep" as const, startTime: T, gate: "bbb/step-1" };
  const background = { reason: "InconclusiveAnalysis" as const, startTime: "2026-01-01T00:05:00Z", gate: "bbb/background-0" };
  const user = { reason: "UserPause" as const, startTime: T };
  const r = canary({ ...inFlight, phase: "Paused", controllerPause: true, pauseConditions: [step, background, user] });
  const first = promote(r, { full: false });
  assert.deepEqual(first.status.pauseConditions, [step, user]);
  assert.deepEqual(first.status.releasedGates, ["bbb/background-0"]);
  assert.equal(first.status.currentStepIndex, 1, "the step itself is not skipped");
  assert.equal(first.said, 'rollout "web" promoted: ended the pause for an inconclusive analysis (bbb/background-0); 1 more gate(s) still hold it, each needs its own promote');
  const second = promote(canary(first.status), { full: false });
  assert.deepEqual(second.status.releasedGates, ["bbb/background-0", "bbb/step-1"]);
  assert.deepEqual(second.status.pauseConditions, [user]);
});

test("promote without a pause releases the step in progress (skipping it), once; --full sets promoteFull, once", () => {
  const skipped = promote(canary(inFlight), { full: false });
  assert.deepEqual(skipped.status.releasedGates, ["bbb/step-1"]);
  assert.equal(skipped.status.currentStepIndex, 1, "the controller moves the step on, not the CLI");
  assert.equal(skipped.said, 'rollout "web" promoted: skipped step 2/3 (analysis t)');
  assert.throws(() => promote(canary(skipped.status), { full: false }), (e: unknown) => e instanceof RefusedError && /already promoted; the controller has not acted on it yet/.test(e.message));
  const full = promote(canary(inFlight), { full: true }).status;
  assert.equal(full.promoteFull, true);
  assert.equal(full.currentStepIndex, 1);
  assert.throws(() => promote(canary(full), { full: true }), (e: unknown) => e instanceof RefusedError && /already fully promoted/.test(e.message));
});

test("promote refuses Healthy, aborted and user-paused rollouts, with what to do instead", () => {
  const refusals: [Rollout, RegExp][] = [
    [canary({ phase: "Healthy", stableRS: "aaa", currentPodHash: "aaa", currentStepIndex: 3 }), /is Healthy: nothing to promote/],
    [canary({ ...inFlight, phase: "Aborted", abort: true }), /use `sluice retry web` first/],
    [canary(inFlight, true), /use `sluice resume web`/],
  ];
  for (const [r, message] of refusals) assert.throws(() => promote(r, { full: false }), (e: unknown) => e instanceof RefusedError && message.test(e.message));
});

test("abort and retry write the controller's fields and refuse when they make no sense", () => {
  assert.equal(abort(canary(inFlight)).status.abort, true);
  assert.throws(() => abort(canary({ ...inFlight, abort: true, phase: "Aborted" })), /already aborted/);
  const retried = retry(canary({ ...inFlight, abort: true, abortedAt: T, phase: "Aborted" })).status;
  assert.equal(retried.abort, false);
  assert.equal(retried.abortedAt, T, "abortedAt stays: it is how the controller tells a retry");
  assert.throws(() => retry(canary(inFlight)), /is not aborted \(Progressing\)/);
});

const object = (): KubeObject => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", resourceVersion: "42" },
  spec: { template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "a:1" }, { name: "sidecar", image: "s:1" }], initContainers: [{ name: "migrate", image: "m:1" }] } } },
});

test("spec changes carry the resourceVersion read (a conditional write) and touch only their field", () => {
  assert.deepEqual(setPaused(object(), true).patch, { metadata: { resourceVersion: "42" }, spec: { paused: true } });
  assert.throws(() => setPaused(object(), false), RefusedError);
  const image = setImage(object(), "migrate", "m:2").object.spec as { template: { spec: { containers: { image: string }[]; initContainers: { image: string }[] } } };
  assert.deepEqual(image.template.spec.containers.map((c) => c.image), ["a:1", "s:1"]);
  assert.equal(image.template.spec.initContainers[0]?.image, "m:2");
  assert.throws(() => setImage(object(), "db", "x"), /no container "db"; its containers: app, sidecar, migrate/);
  assert.throws(() => parseImageAssignment("app"), UserError);
  assert.deepEqual(parseImageAssignment("app=registry:5000/a:2"), { container: "app", image: "registry:5000/a:2" });
  assert.deepEqual(restart(object(), new Date("2026-11-23T14:00:00.123Z")).patch, {
    metadata: { resourceVersion: "42" },
    spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-23T14:00:00Z" } } } },
  });
});

test("undo takes the highest revision below the current one, without the hash label or the server's defaults", () => {
  const rs = (hash: string, revision: number, image: string): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: `web-${hash}`, labels: { "rollouts-pod-template-hash": hash }, annotations: { "sluice.dev/revision": String(revision) } },
    spec: { template: { metadata: { labels: { app: "web", "rollouts-pod-template-hash": hash } }, spec: { dnsPolicy: "ClusterFirst", containers: [{ name: "app", image, imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", resources: {} }] } } },
  });
  const sets = [rs("one", 1, "a:1"), rs("three", 3, "a:3"), rs("two", 2, "a:2")];
  const change = undo(object(), sets, "three", undefined);
  assert.deepEqual((change.object.spec as { template: unknown }).template, { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "a:2" }] } });
  assert.equal(change.object.metadata.resourceVersion, "42");
  assert.match(undo(object(), sets, "three", 1).said, /revision 1 \(one\)/);
  assert.throws(() => undo(object(), sets, "three", 3), /already at revision 3/);
  assert.throws(() => undo(object(), [sets[0]!], "one", undefined), /no revision before the current one/);
  // A value the user set that differs from the default stays.
  const kept = withoutServerDefaults({ spec: { restartPolicy: "Never", containers: [{ name: "a", image: "x:latest", imagePullPolicy: "IfNotPresent" }] } });
  assert.deepEqual(kept, { spec: { restartPolicy: "Never", containers: [{ name: "a", image: "x:latest", imagePullPolicy: "IfNotPresent" }] } });
});

test("version, completion, and user errors without stack traces", () => {
  const version = runCli(["version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `sluice 0.1.0\nnode ${process.version}\n`);
  const completion = runCli(["completion"]);
  assert.equal(completion.code, 0);
  assert.match(completion.stdout, /complete -o bashdefault -o default -F _sluice_yargs_completions sluice/);
  const noConfig = runCli(["get", "rollouts", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(noConfig.code, 1);
  assert.match(noConfig.stderr, /^error: cannot read kubeconfig \/nonexistent\/kubeconfig: .*; pass --kubeconfig FILE\n$/);
  // A usage error stops before the command runs (here it would have reached for the kubeconfig).
  const usage = runCli(["set", "image", "web", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr, "error: Not enough non-option arguments: got 1, need at least 2\nRun with --help for usage.\n");
});

test("colours: a terminal gets them unless --no-color or NO_COLOR; FORCE_COLOR gives them to a pipe", () => {
  assert.equal(useColour({ noColor: false, isTTY: true, env: {} }), true);
  assert.equal(useColour({ noColor: true, isTTY: true, env: {} }), false);
  assert.equal(useColour({ noColor: false, isTTY: true, env: { NO_COLOR: "1" } }), false);
  assert.equal(useColour({ noColor: false, isTTY: false, env: {} }), false);
  assert.equal(useColour({ noColor: false, isTTY: false, env: { FORCE_COLOR: "1" } }), true);
  assert.equal(useColour({ noColor: true, isTTY: false, env: { FORCE_COLOR: "1" } }), false);
});
