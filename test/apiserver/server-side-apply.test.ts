// Minimal server-side apply: create, merge, removal of fields the manager stopped applying,
// conflicts between appliers (and force), list merging by keys, managedFields, and the
// FieldsV1 round trip.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { decodeFieldsV1, encodeFieldsV1, formatPath } from "../../src/sandbox/apiserver/patch/field-paths.ts";
import { call, meta, startTestServer, WIDGETS } from "./helpers.ts";

let server: ApiServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

const APPLY = { "content-type": "application/apply-patch+yaml" };
const doc = (spec: Record<string, unknown>, labels: Record<string, string> = {}): string =>
  JSON.stringify({ apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", metadata: { name: "ssa", labels }, spec });

test("apply creates (201), merges, and removes what the manager no longer applies", async () => {
  const created = await call(server, "PATCH", `${WIDGETS}/ssa?fieldManager=alice`, doc({ image: "w:1", replicas: 2 }, { a: "1", b: "2" }), APPLY);
  assert.equal(created.status, 201);
  const managed = meta(created.body)["managedFields"] as { manager: string; operation: string }[];
  assert.deepEqual(managed.map((m) => `${m.manager}/${m.operation}`), ["alice/Apply"]);
  // Another writer (an Update) sets a field alice never applied: apply must leave it alone.
  await call(server, "PATCH", `${WIDGETS}/ssa`, { spec: { paused: true } }, { "content-type": "application/merge-patch+json" });
  const second = await call(server, "PATCH", `${WIDGETS}/ssa?fieldManager=alice`, doc({ image: "w:2" }, { a: "1" }), APPLY);
  assert.equal(second.status, 200);
  const spec = second.body["spec"] as Record<string, unknown>;
  assert.equal(spec["image"], "w:2");
  assert.equal(spec["paused"], true, "fields set by others are kept");
  assert.equal(spec["replicas"], 1, "replicas no longer applied: removed, then defaulted");
  assert.deepEqual(meta(second.body)["labels"], { a: "1" }, "label b removed");
  assert.equal(meta(second.body)["generation"], 3);
});

test("conflicts between appliers are 409 with FieldManagerConflict causes; force takes over", async () => {
  const conflict = await call(server, "PATCH", `${WIDGETS}/ssa?fieldManager=bob`, doc({ image: "w:9" }), APPLY);
  assert.equal(conflict.status, 409);
  assert.equal(conflict.body["message"], 'Apply failed with 1 conflict: conflict with "alice": .spec.image');
  const causes = (conflict.body["details"] as { causes: { reason: string; field: string }[] }).causes;
  assert.deepEqual(causes, [{ reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".spec.image" }]);
  const same = await call(server, "PATCH", `${WIDGETS}/ssa?fieldManager=bob`, doc({ image: "w:2" }), APPLY);
  assert.equal(same.status, 200, "applying the same value is shared ownership, not a conflict");
  const forced = await call(server, "PATCH", `${WIDGETS}/ssa?fieldManager=bob&force=true`, doc({ image: "w:9" }), APPLY);
  assert.equal(forced.status, 200);
  assert.equal((forced.body["spec"] as Record<string, unknown>)["image"], "w:9");
  const missing = await call(server, "PATCH", `${WIDGETS}/ssa`, doc({ image: "w:1" }), APPLY);
  assert.equal(missing.status, 422);
  assert.equal(missing.body["message"], 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
});

test("built-ins merge containers by name under apply", async () => {
  const dep = (containers: Record<string, unknown>[]): string =>
    JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa-dep" }, spec: { selector: { matchLabels: { app: "s" } }, template: { metadata: { labels: { app: "s" } }, spec: { containers } } } });
  const path = "/apis/apps/v1/namespaces/default/deployments/ssa-dep";
  assert.equal((await call(server, "PATCH", `${path}?fieldManager=a`, dep([{ name: "app", image: "a:1" }]), APPLY)).status, 201);
  const other = await call(server, "PATCH", `${path}?fieldManager=b`, dep([{ name: "sidecar", image: "s:1" }]), APPLY);
  assert.equal(other.status, 200);
  const containers = (((other.body["spec"] as Record<string, unknown>)["template"] as Record<string, unknown>)["spec"] as Record<string, unknown>)["containers"] as { name: string }[];
  assert.deepEqual(containers.map((c) => c.name), ["app", "sidecar"]);
});

test("FieldsV1 encoding round-trips and formats like the real conflict paths", () => {
  const paths = [[{ field: "spec" }, { field: "replicas" }], [{ field: "spec" }, { field: "containers" }, { key: { name: "app" } }], [{ field: "spec" }, { field: "containers" }, { key: { name: "app" } }, { field: "image" }]];
  const tree = encodeFieldsV1(paths);
  assert.deepEqual(tree, { "f:spec": { "f:replicas": {}, "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {} } } } });
  assert.deepEqual(decodeFieldsV1(tree).map(formatPath).sort(), ['.spec.containers[name="app"]', '.spec.containers[name="app"].image', ".spec.replicas"]);
});
