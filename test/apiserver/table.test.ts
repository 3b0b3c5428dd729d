import { test } from "node:test";
import assert from "node:assert/strict";
import { humanDuration } from "../../src/sandbox/apiserver/human-duration.ts";
import { evaluateJsonPath, parseJsonPath } from "../../src/util/jsonpath.ts";
import { toTable } from "../../src/sandbox/apiserver/table.ts";
import { resourceTypesFromCrd } from "../../src/sandbox/apiserver/crd-types.ts";
import type { JsonObject } from "../../src/util/json.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test("HumanDuration thresholds", () => {
  assert.equal(humanDuration(45 * s), "45s");
  assert.equal(humanDuration(119 * s), "119s");
  assert.equal(humanDuration(5 * m + 12 * s), "5m12s");
  assert.equal(humanDuration(5 * m), "5m");
  assert.equal(humanDuration(150 * m), "150m");
  assert.equal(humanDuration(3 * h + 2 * m), "3h2m");
  assert.equal(humanDuration(30 * h), "30h");
  assert.equal(humanDuration(2 * d + 4 * h), "2d4h");
  assert.equal(humanDuration(400 * d), "400d");
  assert.equal(humanDuration(3 * 365 * d + 10 * d), "3y10d");
  assert.equal(humanDuration(9 * 365 * d), "9y");
});

test("JSONPath: fields, indexes, wildcards, filters", () => {
  const obj = { status: { conditions: [{ type: "Ready", status: "True" }, { type: "Paused", status: "False" }] }, metadata: { labels: { "app.kubernetes.io/name": "x" } }, spec: { steps: [{ w: 1 }, { w: 2 }] } };
  assert.deepEqual(evaluateJsonPath(parseJsonPath(".status.conditions[?(@.type==\"Ready\")].status"), obj), ["True"]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath("{.spec.steps[*].w}"), obj), [1, 2]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath(".spec.steps[-1].w"), obj), [2]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath(".metadata.labels['app.kubernetes.io/name']"), obj), ["x"]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath(".spec.missing"), obj), []);
});

test("CRD printer columns become table cells (types, dates, missing values, priority)", () => {
  const crd: JsonObject = {
    metadata: { name: "rollouts.sluice.dev" },
    spec: {
      group: "sluice.dev",
      scope: "Namespaced",
      names: { plural: "rollouts", kind: "Rollout", singular: "rollout", listKind: "RolloutList" },
      versions: [{
        name: "v1alpha1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } },
        additionalPrinterColumns: [
          { name: "Desired", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Phase", type: "string", jsonPath: ".status.phase" },
          { name: "Strategy", type: "string", jsonPath: ".spec.strategy", priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      }],
    },
  };
  const [t] = resourceTypesFromCrd(crd);
  assert.ok(t);
  const now = Date.parse("2024-05-01T12:05:12Z");
  const table = toTable(t, [{ metadata: { name: "web", creationTimestamp: "2024-05-01T12:00:00Z" }, spec: { replicas: "x", strategy: { canary: {} } } }], { includeObject: "Metadata", now, resourceVersion: "7" });
  const rows = table["rows"] as { cells: unknown[] }[];
  assert.deepEqual(rows[0]?.cells, ["web", null, null, '{"canary":{}}', "5m12s"]);
  const columns = table["columnDefinitions"] as { name: string; priority: number; format: string }[];
  assert.deepEqual(columns.map((c) => c.name), ["Name", "Desired", "Phase", "Strategy", "Age"]);
  assert.equal(columns[0]?.format, "name");
  assert.equal(columns[3]?.priority, 1);
});
