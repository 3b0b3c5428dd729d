import { test } from "node:test";
import assert from "node:assert/strict";
import { applyStrategicMergePatch } from "../../src/sandbox/apiserver/patch/strategic-merge.ts";
import { patchMetaByKind } from "../../src/sandbox/apiserver/patch/patch-meta.ts";
import { applyMergePatch } from "../../src/sandbox/apiserver/patch/merge-patch.ts";
import { applyJsonPatch, JsonPatchError } from "../../src/sandbox/apiserver/patch/json-patch.ts";
import type { JsonObject } from "../../src/util/json.ts";

const deploymentMeta = patchMetaByKind["Deployment"];

function deployment(): JsonObject {
  return {
    metadata: { name: "web", finalizers: ["a/x"], ownerReferences: [{ uid: "1", name: "o" }] },
    spec: {
      replicas: 2,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } },
      template: {
        spec: {
          containers: [
            { name: "app", image: "web:1", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 80 }] },
            { name: "sidecar", image: "side:1" },
          ],
          volumes: [{ name: "v1", emptyDir: {} }],
        },
      },
    },
    status: { conditions: [{ type: "Available", status: "False" }, { type: "Progressing", status: "True" }] },
  };
}

test("containers merge by name; unnamed fields are kept", () => {
  const out = applyStrategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: "app", image: "web:2" }] } } } }, deploymentMeta);
  const containers = (((out["spec"] as JsonObject)["template"] as JsonObject)["spec"] as JsonObject)["containers"] as JsonObject[];
  assert.equal(containers.length, 2);
  assert.equal(containers[0]?.["image"], "web:2");
  assert.deepEqual(containers[0]?.["env"], [{ name: "A", value: "1" }, { name: "B", value: "2" }]);
  assert.equal(containers[1]?.["image"], "side:1");
});

test("env merges by name, ports by containerPort, new items appended", () => {
  const patch = { spec: { template: { spec: { containers: [{ name: "app", env: [{ name: "B", value: "3" }, { name: "C", value: "4" }], ports: [{ containerPort: 8080 }] }] } } } };
  const out = applyStrategicMergePatch(deployment(), patch, deploymentMeta);
  const app = ((((out["spec"] as JsonObject)["template"] as JsonObject)["spec"] as JsonObject)["containers"] as JsonObject[])[0];
  assert.deepEqual(app?.["env"], [{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C", value: "4" }]);
  assert.deepEqual(app?.["ports"], [{ containerPort: 80 }, { containerPort: 8080 }]);
});

test("$patch: delete removes a list item by merge key; $patch: replace replaces a list", () => {
  const del = applyStrategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } }, deploymentMeta);
  const names = ((((del["spec"] as JsonObject)["template"] as JsonObject)["spec"] as JsonObject)["containers"] as JsonObject[]).map((c) => c["name"]);
  assert.deepEqual(names, ["app"]);
  const rep = applyStrategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: "only", image: "o:1" }, { $patch: "replace" }] } } } }, deploymentMeta);
  assert.deepEqual((((rep["spec"] as JsonObject)["template"] as JsonObject)["spec"] as JsonObject)["containers"], [{ name: "only", image: "o:1" }]);
});

test("$patch: replace on a map and null deletes a key", () => {
  const out = applyStrategicMergePatch(deployment(), { spec: { strategy: { $patch: "replace", type: "Recreate" }, replicas: null } }, deploymentMeta);
  assert.deepEqual((out["spec"] as JsonObject)["strategy"], { type: "Recreate" });
  assert.equal((out["spec"] as JsonObject)["replicas"], undefined);
});

test("$retainKeys clears keys not listed (kubectl's strategy type switch)", () => {
  const out = applyStrategicMergePatch(deployment(), { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }, deploymentMeta);
  assert.deepEqual((out["spec"] as JsonObject)["strategy"], { type: "Recreate" });
});

test("conditions merge by type; finalizers merge as a set; $deleteFromPrimitiveList", () => {
  const out = applyStrategicMergePatch(deployment(), { status: { conditions: [{ type: "Available", status: "True" }] }, metadata: { finalizers: ["b/y", "a/x"] } }, deploymentMeta);
  assert.deepEqual((out["status"] as JsonObject)["conditions"], [{ type: "Available", status: "True" }, { type: "Progressing", status: "True" }]);
  assert.deepEqual((out["metadata"] as JsonObject)["finalizers"], ["a/x", "b/y"]);
  const removed = applyStrategicMergePatch(out, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a/x"] } }, deploymentMeta);
  assert.deepEqual((removed["metadata"] as JsonObject)["finalizers"], ["b/y"]);
});

test("$setElementOrder reorders merged list", () => {
  const patch = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "sidecar" }, { name: "app" }], containers: [{ name: "app", image: "web:3" }] } } } };
  const out = applyStrategicMergePatch(deployment(), patch, deploymentMeta);
  const names = ((((out["spec"] as JsonObject)["template"] as JsonObject)["spec"] as JsonObject)["containers"] as JsonObject[]).map((c) => c["name"]);
  assert.deepEqual(names, ["sidecar", "app"]);
});

test("lists without patch strategy are replaced (tolerations, args)", () => {
  const out = applyStrategicMergePatch({ spec: { tolerations: [{ key: "a" }] } }, { spec: { tolerations: [{ key: "b" }] } }, patchMetaByKind["Pod"]);
  assert.deepEqual((out["spec"] as JsonObject)["tolerations"], [{ key: "b" }]);
});

test("merge patch (RFC 7386) replaces lists and deletes with null", () => {
  assert.deepEqual(applyMergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } }), { a: [3], b: { d: 2 } });
});

test("json patch (RFC 6902) add/replace/remove/test and failures", () => {
  const doc = { spec: { replicas: 1, list: ["a"] } };
  const out = applyJsonPatch(doc, [
    { op: "replace", path: "/spec/replicas", value: 3 },
    { op: "add", path: "/spec/list/-", value: "b" },
    { op: "test", path: "/spec/replicas", value: 3 },
    { op: "remove", path: "/spec/list/0" },
  ]);
  assert.deepEqual(out, { spec: { replicas: 3, list: ["b"] } });
  assert.deepEqual(doc.spec.replicas, 1, "input untouched");
  assert.throws(() => applyJsonPatch(doc, [{ op: "test", path: "/spec/replicas", value: 2 }]), JsonPatchError);
  assert.throws(() => applyJsonPatch(doc, [{ op: "remove", path: "/spec/missing" }]), JsonPatchError);
});
