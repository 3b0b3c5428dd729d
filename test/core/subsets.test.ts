/**
 * Istio by DestinationRule subsets with no stableService/canaryService: the traffic paths are the subsets'
 * read-back hashes, decide() says which hashes to pin on each Route, and a step's routing is done only once
 * the subsets read back so.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../src/api/rollout.ts";
import { decide } from "../../src/core/decide.ts";
import { abortViolations, stateViolations } from "../../src/core/invariants.ts";
import type { Observed } from "../../src/core/observed.ts";
import { safePrefix } from "../../src/core/plan-safety.ts";
import type { Action } from "../../src/core/plan.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { templateOf } from "../../src/core/rollout-template.ts";
import { receivesTraffic, trafficPaths } from "../../src/core/traffic.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const bySubset = (steps: unknown[]) =>
  makeRollout(
    rolloutInput({
      canary: {
        trafficRouting: { istio: { virtualService: { name: "web" }, destinationRule: { name: "web", stableSubsetName: "stable", canarySubsetName: "canary" } } },
        steps: steps as never,
        abortScaleDownDelaySeconds: 0,
      },
    }),
  );

const rs = (podHash: string, available: number) => ({ name: `web-${podHash}`, podHash, revision: 1, replicas: available, readyReplicas: available, availableReplicas: available });
const state = (routing: Observed["routing"], sets = [rs("s1", 4), rs("c2", 1)]): Observed => ({ replicaSets: sets, services: {}, routing, analysisRuns: [], missingReferences: [] });
const routes = (actions: Action[]) => actions.filter((a): a is Extract<Action, { kind: "Route" }> => a.kind === "Route");

test("the traffic paths by subset are the subsets' pinned hashes, by weight; unknown routing means every pod", () => {
  const rollout = bySubset([{ setWeight: 20 }]);
  const at = (weight: number, managedRoutes: string[] = []) => state({ ok: true, canaryWeight: weight, managedRoutes, subsets: { stable: "s1", canary: "c2" } });
  assert.deepEqual(trafficPaths(rollout, at(20)), [
    { via: "DestinationRule web subset stable (stable, 80%)", service: undefined, podHash: "s1" },
    { via: "DestinationRule web subset canary (canary, 20%)", service: undefined, podHash: "c2" },
  ]);
  assert.deepEqual(trafficPaths(rollout, at(0)).map((p) => p.podHash), ["s1"]);
  assert.deepEqual(trafficPaths(rollout, at(0, ["sluice-web-testers"])).map((p) => p.podHash), ["s1", "c2"], "a header route reaches the canary subset at weight 0");
  assert.deepEqual(trafficPaths(rollout, at(100)).map((p) => p.podHash), ["c2"]);
  // A subset not pinned yet selects every pod of the app; an unreadable router could send anywhere.
  assert.deepEqual(trafficPaths(rollout, state({ ok: true, canaryWeight: 0, managedRoutes: [], subsets: { stable: undefined, canary: undefined } })).map((p) => p.podHash), [undefined]);
  const unknown = state({ ok: false, problem: { kind: "RouterProblem", code: "ObjectNotFound", message: "DestinationRule shop/web does not exist" } });
  assert.deepEqual(trafficPaths(rollout, unknown).map((p) => p.podHash), [undefined, undefined]);
  assert.ok(receivesTraffic(rollout, unknown, "c2"), "doubt never permits a scale-down");
  assert.ok(!receivesTraffic(rollout, at(0), "c2"));
});

test("invariant (a) by subset: weight to a subset whose pods are not available is a violation", () => {
  const rollout = bySubset([{ setWeight: 20 }]);
  const routed = { ok: true as const, canaryWeight: 20, managedRoutes: [], subsets: { stable: "s1", canary: "c2" } };
  assert.deepEqual(stateViolations(rollout, state(routed)), []);
  assert.deepEqual(stateViolations(rollout, state(routed, [rs("s1", 4), rs("c2", 0)])).map((v) => v.message), ["DestinationRule web subset canary (canary, 20%) selects c2, which has no available pods"]);
  assert.deepEqual(stateViolations(rollout, state({ ...routed, canaryWeight: 0 }, [rs("s1", 4), rs("c2", 0)])), [], "no weight, no traffic");
});

test("plan safety: a Route that would pin the canary subset to pods with none available is deferred", () => {
  const rollout = bySubset([{ setWeight: 20 }]);
  const observed = state({ ok: true, canaryWeight: 0, managedRoutes: [], subsets: { stable: "s1", canary: "s1" } }, [rs("s1", 4), rs("c2", 0)]);
  const move: Action = { kind: "Route", want: { canaryWeight: 20, headerRoutes: [], mirrorRoutes: [] }, subsets: { stable: "s1", canary: "c2" } };
  assert.deepEqual(safePrefix(rollout, observed, [move]).deferred, [move]);
  const pinOnly: Action = { ...move, want: { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] } };
  assert.deepEqual(safePrefix(rollout, observed, [pinOnly]).actions, [pinOnly], "pinning with no weight is safe");
});

test("with no Services: every Route names the subsets' hashes, weight reaches only the canary's available pods, abort sends all to stable, promotion re-pins stable", () => {
  const cluster = new SimulatedCluster("web", [], true);
  cluster.subsets = { stable: undefined, canary: undefined };
  const v1 = reconcileUntilSettled(bySubset([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }]), cluster).rollout;
  const v1Hash = podTemplateHash(templateOf(v1));
  assert.equal(v1.status?.phase, "Healthy");
  assert.deepEqual(cluster.subsets, { stable: v1Hash, canary: v1Hash }, "no canary yet: both subsets select the stable pods");

  const check = (rollout: Rollout) => assert.deepEqual(stateViolations(rollout, cluster.observed()), []);
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  cluster.readyAfterMs = 5_000;
  let paused = reconcileUntilSettled(v2, cluster, { stopWhen: (r) => (check(r), false) }).rollout;
  assert.equal(paused.status?.phase, "Paused");
  assert.deepEqual([cluster.routing?.canaryWeight, cluster.subsets], [20, { stable: v1Hash, canary: v2Hash }]);
  for (const route of routes(cluster.log)) if (route.want.canaryWeight > 0) assert.equal(route.subsets?.canary, v2Hash, JSON.stringify(route));

  // Routing by weight alone is not enough: someone re-pinned the canary subset by hand, so decide pins it back.
  cluster.subsets = { stable: v1Hash, canary: v1Hash };
  const repin = decide(paused, cluster.observed(), new Date(cluster.now));
  assert.deepEqual(routes(repin.actions).map((a) => a.subsets), [{ stable: v1Hash, canary: v2Hash }]);
  cluster.subsets = { stable: v1Hash, canary: v2Hash };

  paused = reconcileUntilSettled(promote(paused), cluster, { stopWhen: (r) => (check(r), false) }).rollout;
  assert.deepEqual([paused.status?.currentStepIndex, cluster.routing?.canaryWeight], [3, 60]);
  const aborting = { ...paused, status: { ...paused.status, abort: true } };
  const plan = decide(aborting, cluster.observed(), new Date(cluster.now));
  assert.deepEqual(abortViolations(aborting, cluster.observed(), plan), []);
  assert.deepEqual(routes(plan.actions)[0], { kind: "Route", want: { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] }, subsets: { stable: v1Hash, canary: v2Hash } });
  const aborted = reconcileUntilSettled(aborting, cluster, { stopWhen: (r) => (check(r), false) }).rollout;
  assert.equal(aborted.status?.phase, "Aborted");
  assert.deepEqual([cluster.routing?.canaryWeight, cluster.subsets?.stable], [0, v1Hash]);

  // The next revision runs to the end: stable's subset moves to it only once it has all the traffic.
  const v3 = withImage(aborted, "acme/web:3");
  const v3Hash = podTemplateHash(templateOf(v3));
  const logFrom = cluster.log.length;
  let r = reconcileUntilSettled(v3, cluster, { stopWhen: (x) => (check(x), false) }).rollout;
  r = reconcileUntilSettled(promote(r), cluster, { stopWhen: (x) => (check(x), false) }).rollout;
  r = reconcileUntilSettled(promote(r), cluster, { stopWhen: (x) => (check(x), false) }).rollout;
  assert.deepEqual([r.status?.phase, r.status?.stableRS, cluster.routing?.canaryWeight, cluster.subsets], ["Healthy", v3Hash, 0, { stable: v3Hash, canary: v3Hash }]);
  const seen = routes(cluster.log.slice(logFrom)).map((a) => `${a.want.canaryWeight}:${a.subsets?.stable === v3Hash ? "v3" : "v1"}`);
  const allOnCanary = seen.indexOf("100:v1");
  assert.ok(allOnCanary >= 0 && allOnCanary < seen.indexOf("0:v3"), `all traffic on the canary before stable's subset moves: ${seen.join(" ")}`);
  assert.ok(!seen.slice(0, allOnCanary).some((entry) => entry.endsWith("v3")), seen.join(" "));
});
