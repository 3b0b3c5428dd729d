/**
 * The rollout watch behind `get --watch` and `status` across reconnects, against the sandbox API server: dropped
 * streams (reset or ended cleanly), a watch that cannot reconnect for a while, and a resume answered with 410
 * Gone. A live Rollout is never reported deleted; a deleted one is, once. No controller runs: the tests write
 * the objects and their status themselves, so every change is one they made.
 */
import assert from "node:assert/strict";
import { after, before, suite, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { watchRollout, type WatchEvent } from "../../src/cli/watch/watch-rollout.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import type { KubeObject, ObjectRef } from "../../src/kube/kube-client.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";
import { runCliAsync } from "../helpers/run-cli.ts";

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => env?.stop());

const rolloutRef = (name: string): ObjectRef => ({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name });
const setRef = (name: string): ObjectRef => ({ apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "default", name: `${name}-1` });

/** The Rollout and one ReplicaSet of it: a second stream whose events arrive while the Rollout's is down. */
async function createRollout(name: string): Promise<void> {
  await env.kube.create(rolloutObject(name, { strategy: { canary: { steps: [] } } }));
  const labels = { app: name, [ROLLOUT_LABEL]: name };
  await env.kube.create({
    ...setRef(name),
    metadata: { name: setRef(name).name, namespace: "default", labels },
    spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "acme/web:1" }] } } },
  });
}

const mark = (name: string, round: string) => env.kube.mergePatch(rolloutRef(name), { metadata: { annotations: { round } } });

function record(name: string): { events: WatchEvent[]; stop(): void } {
  const events: WatchEvent[] = [];
  const watcher = watchRollout({ kc: env.kc, kube: env.kube, namespace: "default" }, name, (event) => events.push(event));
  return { events, stop: () => watcher.stop() };
}

const stateWith = (events: WatchEvent[], ok: (raw: KubeObject, replicaSets: number) => boolean) => async () =>
  events.some((e) => e.kind === "state" && ok(e.state.raw, e.state.replicaSets.length)) ? true : undefined;
const round = (raw: KubeObject) => raw.metadata.annotations?.["round"];
const deletions = (events: WatchEvent[]) => events.filter((e) => e.kind === "deleted").length;
/** All three streams of the one watcher under test are connected again. */
const reconnected = async () => (env.server.faults.openWatchCount() === 3 ? true : undefined);
/** Watches of the given resources are refused with 500 until the rules are cleared. */
const refuseWatches = (resources?: string[]) => env.server.faults.setRules([{ fault: "error500", fraction: 1, verbs: ["watch"], ...(resources ? { resources } : {}) }]);

suite("rollout watch across reconnects", () => {
  test("dropped watches resume with their cache: no deletion reported, changes made meanwhile arrive", async () => {
    await createRollout("steady");
    const watched = record("steady");
    try {
      await env.waitFor("the first state", stateWith(watched.events, (_, sets) => sets === 1));
      await env.waitFor("the watches", reconnected);

      // The Rollout's watch cannot reconnect for a while; the ReplicaSet's can, and its stream goes on.
      refuseWatches(["rollouts.sluice.dev"]);
      const refusedBefore = env.server.faults.injected.error500;
      env.server.faults.dropWatches();
      await env.waitFor("a refused reconnect", async () => (env.server.faults.injected.error500 > refusedBefore ? true : undefined));
      await mark("steady", "1");
      env.server.faults.clear();
      await env.waitFor("the change made while the watch was down", stateWith(watched.events, (raw) => round(raw) === "1"));

      for (const [n, graceful] of [["2", true], ["3", false], ["4", true]] as const) {
        await env.waitFor("the watches", reconnected);
        env.server.faults.dropWatches({ graceful });
        await mark("steady", n);
        await env.waitFor(`round ${n} after a ${graceful ? "clean end" : "reset"}`, stateWith(watched.events, (raw) => round(raw) === n));
      }
      assert.equal(deletions(watched.events), 0, "a live Rollout was reported deleted");
      const errors = watched.events.flatMap((e) => (e.kind === "error" ? [e.message] : []));
      assert.ok(errors.some((m) => /^watching rollouts: HTTP 500 .*; reconnecting in \d+s$/.test(m)), errors.join("\n"));
      const last = watched.events.filter((e) => e.kind === "state").at(-1);
      assert.equal(last?.kind === "state" ? last.state.replicaSets.length : -1, 1, "the ReplicaSet is still in the state");
    } finally {
      watched.stop();
      env.server.faults.clear();
    }
  });

  test("a resume answered with 410 relists: the change arrives, a vanished ReplicaSet goes, the Rollout stays; a real deletion is reported once", async () => {
    await createRollout("compacted");
    const watched = record("compacted");
    try {
      await env.waitFor("the first state", stateWith(watched.events, (_, sets) => sets === 1));
      await env.waitFor("the watches", reconnected);

      // While every watch is down: change the Rollout, delete its ReplicaSet, forget the history.
      const expiredBefore = env.server.service.expiredWatches;
      refuseWatches();
      env.server.faults.dropWatches();
      await mark("compacted", "1");
      await env.kube.delete(setRef("compacted"));
      env.server.compactHistory();
      env.server.faults.clear();
      await env.waitFor("the relisted state", stateWith(watched.events, (raw, sets) => round(raw) === "1" && sets === 0));
      assert.ok(env.server.service.expiredWatches > expiredBefore, "the resume was answered with 410 Gone");
      assert.equal(deletions(watched.events), 0, "a live Rollout was reported deleted");

      await env.kube.delete(rolloutRef("compacted"));
      await env.waitFor("the deletion", async () => (deletions(watched.events) > 0 ? true : undefined));
      // Created again: its state comes after everything the deletion set off, and says it once.
      await createRollout("compacted");
      await env.waitFor("the new Rollout", stateWith(watched.events, (raw, sets) => round(raw) === undefined && sets === 1));
      assert.equal(deletions(watched.events), 1);
    } finally {
      watched.stop();
    }
  });

  test("sluice status waits across dropped watches and exits 0 when the rollout finishes", async () => {
    await createRollout("pipeline");
    const generation = (await env.rollout("pipeline")).metadata.generation;
    const progress = (message: string) => env.patchRolloutStatus("pipeline", (s) => ({ ...s, observedGeneration: generation, phase: "Progressing", message }));
    await progress("step 1/2: starting");
    let seen = "";
    const waiting = runCliAsync(["status", "pipeline", "--timeout", "60s", "--kubeconfig", env.server.kubeconfigPath, "-n", "default"], { onStdout: (t) => (seen += t) });
    // Waits fail at once, with what it said, if status exits early (as it did when it took a reconnect for a deletion).
    const exited = waiting.then((r) => Promise.reject(new Error(`status exited early with ${r.code}: ${r.stderr}`)));
    exited.catch(() => undefined);
    const saw = (text: string) => Promise.race([env.waitFor(`"${text}"`, async () => (seen.includes(text) ? true : undefined)), exited]);
    try {
      await saw("step 1/2: starting");
      await env.waitFor("the watches", reconnected);

      refuseWatches(["rollouts.sluice.dev"]);
      const refusedBefore = env.server.faults.injected.error500;
      env.server.faults.dropWatches();
      await env.waitFor("a refused reconnect", async () => (env.server.faults.injected.error500 > refusedBefore ? true : undefined));
      await progress("step 2/2: waiting for canary pods");
      env.server.faults.clear();
      await saw("step 2/2: waiting for canary pods");

      await env.waitFor("the watches", reconnected);
      env.server.faults.dropWatches({ graceful: true });
      await env.waitFor("the watches", reconnected);
      env.server.faults.dropWatches();
      await env.waitFor("the watches", reconnected);

      await env.patchRolloutStatus("pipeline", (s) => ({ ...s, phase: "Healthy", message: "done", stableRS: "abc12", currentPodHash: "abc12" }));
      const done = await waiting;
      assert.equal(done.code, 0, done.stderr);
      assert.ok(done.stdout.endsWith(`rollout "pipeline" is Healthy: revision abc12 serves all traffic\n`), done.stdout);
      assert.doesNotMatch(done.stderr, /deleted/);
      assert.match(done.stderr, /^watching rollouts: HTTP 500 .*; reconnecting in \d+s$/m);
    } finally {
      waiting.child.kill();
      env.server.faults.clear();
    }
  });
});
