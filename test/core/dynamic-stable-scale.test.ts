import assert from "node:assert/strict";
import { test } from "node:test";
import { rolloutSchema, type Rollout } from "../../src/api/rollout.ts";
import { stableReplicasFor, withinStableCapacity } from "../../src/core/canary/stable-share.ts";
import { abortViolations, stateViolations } from "../../src/core/invariants.ts";
import { decideThrough } from "../../src/core/decide-through.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { ALL_TO_STABLE } from "../../src/core/routing.ts";
import { templateOf } from "../../src/core/rollout-template.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const dynamic = (steps: unknown[]) =>
  makeRollout(
    rolloutInput({
      canary: { stableService: "web-stable", canaryService: "web-canary", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, dynamicStableScale: true, abortScaleDownDelaySeconds: 0, steps: steps as never },
    }),
  );

function canaryOnV2(steps: unknown[]) {
  const cluster = new SimulatedCluster("web", ["web-stable", "web-canary"], true);
  const v1 = reconcileUntilSettled(dynamic(steps), cluster).rollout;
  const v2 = withImage(v1, "acme/web:2");
  return { cluster, v1Hash: v1.status?.stableRS ?? "", v2Hash: podTemplateHash(templateOf(v2)), v2 };
}

const replicasOf = (cluster: SimulatedCluster, hash: string) => cluster.replicaSets.get(hash)?.replicas;

test("stable replicas for a weight: ceil(replicas x stable share) with dynamicStableScale, all of them without", () => {
  const on = dynamic([]).spec.strategy.canary;
  assert.ok(on);
  assert.deepEqual([0, 10, 25, 50, 75, 99, 100].map((w) => stableReplicasFor(on, 4, w)), [4, 4, 3, 2, 1, 1, 0]);
  const off = { ...on, dynamicStableScale: false };
  assert.deepEqual([0, 50, 100].map((w) => stableReplicasFor(off, 4, w)), [4, 4, 4]);
  // Back to stable only as far as its available pods carry: 1 of 4 carries 25%, so the canary keeps 75%.
  assert.equal(withinStableCapacity(on, 4, { stable: 1, canary: 3 }, 75, ALL_TO_STABLE).canaryWeight, 75);
  assert.equal(withinStableCapacity(on, 4, { stable: 3, canary: 3 }, 75, ALL_TO_STABLE).canaryWeight, 25);
  assert.equal(withinStableCapacity(on, 4, { stable: 4, canary: 3 }, 75, ALL_TO_STABLE).canaryWeight, 0);
  // A canary without available pods gets nothing, whatever stable can carry ((a) comes first).
  assert.equal(withinStableCapacity(on, 4, { stable: 1, canary: 0 }, 75, ALL_TO_STABLE).canaryWeight, 0);
});

test("dynamicStableScale: stable shrinks to its traffic share only after the router is seen at the new weight, and the pods stay near spec.replicas", () => {
  const { cluster, v1Hash, v2Hash, v2 } = canaryOnV2([{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }]);
  cluster.readyAfterMs = 5_000;
  const at25 = reconcileUntilSettled(v2, cluster);
  assert.equal(at25.rollout.status?.phase, "Paused");
  assert.equal(cluster.routing?.canaryWeight, 25);
  assert.equal(replicasOf(cluster, v1Hash), 3, "ceil(4 x 75%)");
  assert.equal(replicasOf(cluster, v2Hash), 1);
  const at75 = reconcileUntilSettled(promote(at25.rollout), cluster);
  assert.equal(cluster.routing?.canaryWeight, 75);
  assert.equal(replicasOf(cluster, v1Hash), 1, "ceil(4 x 25%)");
  assert.equal(replicasOf(cluster, v2Hash), 3);
  // Order: each stable scale-down comes after the route that took its traffic away.
  for (const [weight, replicas] of [[25, 3], [75, 1]] as const) {
    const routed = cluster.log.findIndex((a) => a.kind === "Route" && a.want.canaryWeight === weight);
    const shrunk = cluster.log.findIndex((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v1Hash}` && a.replicas === replicas);
    assert.ok(routed >= 0 && shrunk > routed, `stable to ${replicas} (action ${shrunk}) before the route to ${weight}% (action ${routed})`);
  }
  const done = reconcileUntilSettled(promote(at75.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(done.rollout.status?.stableRS, v2Hash);
  assert.equal(replicasOf(cluster, v2Hash), 4);
  assert.equal(replicasOf(cluster, v1Hash), 0);
});

test("dynamicStableScale abort: stable is scaled back up and traffic returns to it only as its pods become available", () => {
  const { cluster, v1Hash, v2Hash, v2 } = canaryOnV2([{ setWeight: 75 }, { pause: {} }]);
  const paused = reconcileUntilSettled(v2, cluster);
  assert.equal(cluster.routing?.canaryWeight, 75);
  assert.equal(replicasOf(cluster, v1Hash), 1);
  cluster.readyAfterMs = 10_000;
  const aborting: Rollout = { ...paused.rollout, status: { ...paused.rollout.status, abort: true } };
  const first = decideThrough(aborting, cluster.observed(), new Date(cluster.now));
  assert.deepEqual(abortViolations(aborting, cluster.observed(), first), []);
  // 1 stable pod of 4 carries 25%: the weight stays at 75% and stable goes back to 4 first.
  assert.ok(first.actions.some((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v1Hash}` && a.replicas === 4));
  assert.ok(!first.actions.some((a) => a.kind === "Route"), "no traffic back to stable before its pods are available");
  assert.ok(!first.actions.some((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v2Hash}`), "the canary keeps its pods while it carries traffic");
  cluster.apply(first, aborting);
  const back = reconcileUntilSettled({ ...aborting, status: first.status }, cluster);
  assert.equal(back.rollout.status?.phase, "Aborted");
  assert.equal(cluster.routing?.canaryWeight, 0);
  assert.equal(replicasOf(cluster, v1Hash), 4);
  assert.equal(replicasOf(cluster, v2Hash), 0);
  // The route back came only once stable was at full size and available (the cluster checks (g) after every action).
  const scaledUp = cluster.log.findIndex((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v1Hash}` && a.replicas === 4);
  const routedBack = cluster.log.findIndex((a, i) => i > scaledUp && a.kind === "Route" && a.want.canaryWeight === 0);
  assert.ok(scaledUp >= 0 && routedBack > scaledUp);
  assert.ok(back.trace.some((t) => t.weight === 75 && t.phase === "Aborted"), "the abort held the weight while stable came up");
});

test("dynamicStableScale by Istio subsets without Services: stable shrinks and an abort holds the weight until stable is back, read through the subsets' pins", () => {
  const rollout = makeRollout(
    rolloutInput({
      canary: {
        trafficRouting: { istio: { virtualService: { name: "web" }, destinationRule: { name: "web", stableSubsetName: "stable", canarySubsetName: "canary" } } },
        dynamicStableScale: true,
        abortScaleDownDelaySeconds: 0,
        steps: [{ setWeight: 75 }, { pause: {} }],
      },
    }),
  );
  const cluster = new SimulatedCluster("web", [], true);
  cluster.subsets = { stable: undefined, canary: undefined };
  const v1 = reconcileUntilSettled(rollout, cluster).rollout;
  const v1Hash = v1.status?.stableRS ?? "";
  const v2 = withImage(v1, "acme/web:2");
  const paused = reconcileUntilSettled(v2, cluster);
  assert.equal(cluster.routing?.canaryWeight, 75);
  assert.equal(replicasOf(cluster, v1Hash), 1, "stable shrank to its 25% share: the canary subset is seen pinned to the canary");
  cluster.readyAfterMs = 10_000;
  const aborting: Rollout = { ...paused.rollout, status: { ...paused.rollout.status, abort: true } };
  const first = decideThrough(aborting, cluster.observed(), new Date(cluster.now));
  assert.ok(!first.actions.some((a) => a.kind === "Route"), "no traffic back to the stable subset before its pods are available");
  assert.ok(first.actions.some((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v1Hash}` && a.replicas === 4));
  cluster.apply(first, aborting);
  const back = reconcileUntilSettled({ ...aborting, status: first.status }, cluster);
  assert.equal(back.rollout.status?.phase, "Aborted");
  assert.equal(cluster.routing?.canaryWeight, 0);
  assert.equal(replicasOf(cluster, v1Hash), 4);
});

test("invariant (g): the stable Service's pods never carry more traffic than their available pods can", () => {
  const rollout = dynamic([{ setWeight: 75 }]);
  const state = (stableAvailable: number, canaryWeight: number) => ({
    replicaSets: [
      { name: "web-s", podHash: "s", revision: 1, replicas: 4, readyReplicas: stableAvailable, availableReplicas: stableAvailable },
      { name: "web-c", podHash: "c", revision: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3 },
    ],
    services: { "web-stable": { name: "web-stable", podHash: "s" }, "web-canary": { name: "web-canary", podHash: "c" } },
    routing: { ok: true as const, canaryWeight, managedRoutes: [] },
    analysisRuns: [],
    missingReferences: [],
  });
  assert.deepEqual(stateViolations(rollout, state(1, 75)).filter((v) => v.invariant === "g"), []);
  const broken = stateViolations(rollout, state(1, 0)).filter((v) => v.invariant === "g");
  assert.equal(broken.length, 1);
  assert.match(broken[0]?.message ?? "", /gets 100% of traffic with 1\/4 pods available \(25%\)/);
});

test("lint: dynamicStableScale without trafficRouting is refused, naming the field and the fix", () => {
  const input = rolloutInput({ canary: { dynamicStableScale: true, steps: [{ setWeight: 50 }] } });
  const result = rolloutSchema.safeParse(input);
  assert.equal(result.success, false);
  const issue = result.error?.issues.find((i) => i.path.join(".") === "spec.strategy.canary.dynamicStableScale");
  assert.ok(issue, JSON.stringify(result.error?.issues));
  assert.match(issue.message, /needs spec\.strategy\.canary\.trafficRouting/);
});
