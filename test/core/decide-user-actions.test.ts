/**
 * Table: every user action at every kind of step. The rollout is driven to a step of each kind, the action is
 * applied as the CLI writes it, and the outcome is checked against what the action promises.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout, RolloutStatus } from "../../src/api/rollout.ts";
import { promote as cliPromote } from "../../src/cli/actions/promote.ts";
import { decide } from "../../src/core/decide.ts";
import { makeRollout, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const analysis = { analysis: { templates: [{ templateName: "t" }] } };
const header = { setHeaderRoute: { name: "qa", match: [{ headerName: "x-qa", headerValue: { exact: "1" } }] } };

/** Each row: the step the rollout is held at (always index 1, after setWeight 10), and how it is held there. */
const stepKinds: { name: string; step: unknown; hold: "pause" | "running" | "inconclusive" | "pods" }[] = [
  { name: "untimed pause", step: { pause: {} }, hold: "pause" },
  { name: "timed pause", step: { pause: { duration: "1h" } }, hold: "pause" },
  { name: "running analysis", step: analysis, hold: "running" },
  { name: "inconclusive analysis", step: analysis, hold: "inconclusive" },
  { name: "setWeight waiting for pods", step: { setWeight: 40 }, hold: "pods" },
  { name: "setCanaryScale waiting for pods", step: { setCanaryScale: { replicas: 3 } }, hold: "pods" },
  { name: "header route waiting for pods", step: header, hold: "pods" },
];

type Setup = { cluster: SimulatedCluster; held: Rollout };

function holdAt(kind: (typeof stepKinds)[number]): Setup {
  const steps = [{ setWeight: 10 }, kind.step, { setWeight: 70 }, { pause: {} }];
  const base = makeRollout(
    rolloutInput({ canary: { stableService: "s", canaryService: "c", trafficRouting: { gatewayAPI: { httpRoute: "r" } }, steps: steps as never } }),
  );
  const cluster = new SimulatedCluster("web", ["s", "c"], true);
  const v1 = reconcileUntilSettled(base, cluster).rollout;
  cluster.script = () =>
    kind.hold === "inconclusive" ? { phase: "Inconclusive", message: "no data" } : { phase: "Successful", afterMs: kind.hold === "running" ? 3_600_000 : 0 };
  const v2 = withImage(v1, "acme/web:2");
  const atStep = reconcileUntilSettled(v2, cluster, {
    stopWhen: (r) => r.status?.currentStepIndex === 1 && (kind.hold !== "running" || (r.status?.message?.includes("running") ?? false)),
  }).rollout;
  if (kind.hold === "pods") cluster.readyAfterMs = 3_600_000; // the next pods never get ready while we act
  const held = kind.hold === "pods" ? atStep : reconcileUntilSettled(atStep, cluster, { maxRounds: 20, stopWhen: (r) => r.status?.phase === "Paused" || (r.status?.message?.includes("running") ?? false) }).rollout;
  assert.equal(held.status?.currentStepIndex, 1, `${kind.name}: held at step 2`);
  return { cluster, held };
}

const withStatus = (r: Rollout, change: (s: RolloutStatus) => RolloutStatus): Rollout => ({ ...r, status: change({ ...r.status }) });

/** What `sluice promote` writes: the CLI's own pure function (one gate released, or the step in progress skipped). */
const promote = (r: Rollout): Rollout => ({ ...r, status: cliPromote(r, { full: false }).status });

for (const kind of stepKinds) {
  test(`abort at a ${kind.name}: traffic to stable first, then Aborted; retry starts the revision over`, () => {
    const { cluster, held } = holdAt(kind);
    cluster.readyAfterMs = 0;
    const abort = withStatus(held, (s) => ({ ...s, abort: true }));
    const plan = decide(abort, cluster.observed(), new Date(cluster.now));
    assert.deepEqual(plan.actions.find((a) => a.kind === "Route"), { kind: "Route", want: { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] } });
    assert.equal(plan.status.phase, "Aborted");
    const aborted = reconcileUntilSettled(abort, cluster).rollout;
    assert.equal(aborted.status?.phase, "Aborted");
    assert.equal(cluster.routing?.canaryWeight, 0);
    const retried = decide(withStatus(aborted, (s) => ({ ...s, abort: false })), cluster.observed(), new Date(cluster.now));
    assert.equal(retried.status.retryCount, 1);
    assert.equal(retried.status.currentStepIndex, 0);
    assert.ok(retried.actions.some((a) => a.kind === "Event" && a.reason === "RolloutRetried"));
  });

  test(`promote at a ${kind.name}: the step is let go and the rollout moves past it`, () => {
    const { cluster, held } = holdAt(kind);
    cluster.readyAfterMs = 0;
    const after = reconcileUntilSettled(promote(held), cluster).rollout;
    assert.ok((after.status?.currentStepIndex ?? 0) >= 2, `${kind.name}: now at ${after.status?.currentStepIndex} (${after.status?.message})`);
    assert.equal(after.status?.phase, "Paused", "it walks on to the next pause");
    assert.equal(after.status?.currentStepIndex, 3);
    assert.equal(cluster.routing?.canaryWeight, 70);
  });

  test(`promote --full at a ${kind.name}: straight to Healthy on the new version, remaining steps skipped`, () => {
    const { cluster, held } = holdAt(kind);
    cluster.readyAfterMs = 0;
    const done = reconcileUntilSettled(withStatus(held, (s) => ({ ...s, promoteFull: true })), cluster);
    assert.equal(done.rollout.status?.phase, "Healthy");
    assert.equal(done.rollout.status?.stableRS, done.rollout.status?.currentPodHash);
    assert.ok(!done.trace.some((t) => t.weight === 70), "setWeight 70 was skipped");
  });
}
