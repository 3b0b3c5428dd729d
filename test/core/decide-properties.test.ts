import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { AnalysisPhase } from "../../src/api/analysis-run.ts";
import { decide } from "../../src/core/decide.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const stepArb = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map((w) => ({ setWeight: w })),
  fc.constantFrom({ pause: {} }, { pause: { duration: "30s" } }, { pause: { duration: 0 } }),
  fc.constant({ analysis: { templates: [{ templateName: "t" }] } }),
  fc.constant({ setHeaderRoute: { name: "qa", match: [{ headerName: "x", headerValue: { exact: "1" } }] } }),
  fc.constant({ setHeaderRoute: { name: "qa" } }),
);

test("any step sequence, analysis outcomes and promotes: weights stay whole, runs are never duplicated, the rollout settles", () => {
  fc.assert(
    fc.property(
      fc.array(stepArb, { minLength: 0, maxLength: 7 }),
      fc.array(fc.constantFrom<AnalysisPhase>("Successful", "Successful", "Failed", "Inconclusive", "Error"), { minLength: 8, maxLength: 8 }),
      fc.integer({ min: 1, max: 7 }),
      fc.boolean(),
      (steps, outcomes, replicas, readySlowly) => {
        const rollout = makeRollout({
          ...rolloutInput({ canary: { stableService: "s", canaryService: "c", trafficRouting: { gatewayAPI: { httpRoute: "r" } }, steps: steps as never } }),
          spec: { ...rolloutInput({ canary: {} }).spec, replicas, strategy: { canary: { stableService: "s", canaryService: "c", trafficRouting: { gatewayAPI: { httpRoute: "r" } }, steps: steps as never } } },
        });
        const cluster = new SimulatedCluster("web", ["s", "c"], true);
        let current = reconcileUntilSettled(rollout, cluster).rollout;
        let n = 0;
        cluster.script = () => ({ phase: outcomes[n++ % outcomes.length] ?? "Successful", afterMs: 10_000 });
        cluster.readyAfterMs = readySlowly ? 7_000 : 0;
        current = withImage(current, "acme/web:2");
        for (let promotes = 0; promotes < 12; promotes++) {
          const result = reconcileUntilSettled(current, cluster);
          current = result.rollout;
          // Every Route ever asked for: whole weights in 0..100.
          for (const a of cluster.log) if (a.kind === "Route") assert.ok(Number.isInteger(a.want.canaryWeight) && a.want.canaryWeight >= 0 && a.want.canaryWeight <= 100);
          // Deterministic: deciding again on the same inputs gives the same plan.
          const observed = cluster.observed();
          assert.deepEqual(decide(current, observed, new Date(cluster.now)), decide(structuredClone(current), structuredClone(observed), new Date(cluster.now)));
          const phase = current.status?.phase;
          if (phase === "Healthy" || phase === "Aborted") break;
          assert.equal(phase, "Paused", `settled while ${phase}: ${current.status?.message}`);
          current = promote(current);
        }
        const phase = current.status?.phase;
        assert.ok(phase === "Healthy" || phase === "Aborted", `ended ${phase}`);
        if (phase === "Aborted") {
          assert.equal(cluster.routing?.canaryWeight, 0);
          assert.deepEqual(cluster.routing?.headerRoutes, []);
        } else assert.equal(current.status?.stableRS, current.status?.currentPodHash);
      },
    ),
    { numRuns: 150 },
  );
});
