// REST semantics over HTTP: status codes, Status bodies and texts, resourceVersion and
// generation rules, subresources, field validation, finalizers, discovery and OpenAPI.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { call, meta, startTestServer, widget, WIDGETS } from "./helpers.ts";

let server: ApiServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

describe("errors and create", () => {
  test("NotFound is a Status with the real message and details", async () => {
    const r = await call(server, "GET", `${WIDGETS}/nope`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: 'widgets.fixtures.sluice.dev "nope" not found', reason: "NotFound",
      details: { name: "nope", group: "fixtures.sluice.dev", kind: "widgets" }, code: 404,
    });
    const cm = await call(server, "GET", "/api/v1/namespaces/default/configmaps/x");
    assert.equal(cm.body["message"], 'configmaps "x" not found');
  });

  test("unknown paths get the plain-text 404 of the Go mux", async () => {
    const r = await call(server, "GET", "/apis/nope.io/v1/things");
    assert.equal(r.status, 404);
    assert.equal(r.text, "404 page not found\n");
  });

  test("create fills server fields; duplicate is 409 AlreadyExists", async () => {
    const r = await call(server, "POST", WIDGETS, widget("a", { image: "w:1" }));
    assert.equal(r.status, 201);
    const m = meta(r.body);
    assert.match(String(m["uid"]), /^[0-9a-f-]{36}$/);
    assert.match(String(m["creationTimestamp"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(m["resourceVersion"]), /^[1-9]\d*$/);
    assert.equal(m["generation"], 1);
    assert.equal(m["namespace"], "default");
    assert.deepEqual(r.body["spec"], { image: "w:1", replicas: 1, mode: "canary" }, "schema defaults applied");
    const dup = await call(server, "POST", WIDGETS, widget("a"));
    assert.equal(dup.status, 409);
    assert.equal(dup.body["reason"], "AlreadyExists");
    assert.equal(dup.body["message"], 'widgets.fixtures.sluice.dev "a" already exists');
  });

  test("create in a missing namespace is 404 namespaces not found", async () => {
    const r = await call(server, "POST", "/apis/fixtures.sluice.dev/v1/namespaces/nope/widgets", widget("a"));
    assert.equal(r.status, 404);
    assert.equal(r.body["message"], 'namespaces "nope" not found');
  });

  test("generateName, missing name, wrong apiVersion, namespace mismatch", async () => {
    const g = await call(server, "POST", WIDGETS, { ...widget(""), metadata: { generateName: "gen-" } });
    assert.equal(g.status, 201);
    assert.match(String(meta(g.body)["name"]), /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const noName = await call(server, "POST", WIDGETS, { ...widget(""), metadata: {} });
    assert.equal(noName.status, 422);
    assert.equal(noName.body["message"], 'Widget.fixtures.sluice.dev "" is invalid: metadata.name: Required value: name or generateName is required');
    const wrong = await call(server, "POST", WIDGETS, { ...widget("x"), apiVersion: "fixtures.sluice.dev/v2" });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body["message"], "the API version in the data (fixtures.sluice.dev/v2) does not match the expected API version (fixtures.sluice.dev/v1)");
    const ns = await call(server, "POST", WIDGETS, widget("x", { image: "i" }, { namespace: "kube-system" }));
    assert.equal(ns.status, 400);
    assert.equal(ns.body["message"], "the namespace of the provided object does not match the namespace sent on the request");
    const badName = await call(server, "POST", WIDGETS, widget("Bad_Name"));
    assert.equal(badName.status, 422);
    assert.match(String(badName.body["message"]), /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  test("schema validation: 422 Invalid with causes", async () => {
    const r = await call(server, "POST", WIDGETS, widget("bad", { image: "i", replicas: 500, mode: "fast" }));
    assert.equal(r.status, 422);
    assert.equal(r.body["reason"], "Invalid");
    assert.equal(
      r.body["message"],
      'Widget.fixtures.sluice.dev "bad" is invalid: [spec.replicas: Invalid value: 500: spec.replicas in body should be less than or equal to 100, spec.mode: Unsupported value: "fast": supported values: "canary", "bluegreen"]',
    );
    const details = r.body["details"] as { kind: string; causes: { reason: string; field: string }[] };
    assert.equal(details.kind, "Widget");
    assert.deepEqual(details.causes.map((c) => [c.reason, c.field]), [["FieldValueInvalid", "spec.replicas"], ["FieldValueNotSupported", "spec.mode"]]);
    const missing = await call(server, "POST", WIDGETS, widget("bad2", {}));
    assert.equal(missing.body["message"], 'Widget.fixtures.sluice.dev "bad2" is invalid: spec.image: Required value');
  });

  test("built-in validation: Deployment selector must match template labels", async () => {
    const r = await call(server, "POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
      spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
    });
    assert.equal(r.status, 422);
    assert.match(String(r.body["message"]), /spec.template.metadata.labels: Invalid value: .*`selector` does not match template `labels`/);
  });
});

describe("field validation (pruning)", () => {
  test("Warn (default): unknown fields pruned with Warning headers", async () => {
    const r = await call(server, "POST", WIDGETS, widget("fv1", { image: "i", foo: 1, extra: { kept: true } }, { bogus: "x" }));
    assert.equal(r.status, 201);
    assert.deepEqual(r.body["spec"], { image: "i", extra: { kept: true }, replicas: 1, mode: "canary" });
    assert.equal(meta(r.body)["bogus"], undefined);
    const warnings = r.headers.get("warning") ?? "";
    assert.match(warnings, /299 - "unknown field \\"spec.foo\\""/);
    assert.match(warnings, /299 - "unknown field \\"metadata.bogus\\""/);
  });

  test("built-ins are pruned against their typed fields too", async () => {
    const dep = (extra: Record<string, unknown>) => ({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "typo" },
      spec: { replcas: 3, selector: { matchLabels: { app: "t" } }, template: { metadata: { labels: { app: "t" } }, spec: { containers: [{ name: "c", image: "i", imagePullPolicyy: "Always", ...extra }] } } },
    });
    const strict = await call(server, "POST", "/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict", dep({}));
    assert.equal(strict.status, 400);
    assert.equal(strict.body["message"], 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replcas", unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
    const warn = await call(server, "POST", "/apis/apps/v1/namespaces/default/deployments", dep({ env: [{ name: "A", value: "1" }], resources: { limits: { cpu: "1" } } }));
    assert.equal(warn.status, 201);
    assert.match(warn.headers.get("warning") ?? "", /unknown field \\"spec.replcas\\"/);
    const spec = warn.body["spec"] as Record<string, unknown>;
    assert.equal(spec["replcas"], undefined);
    assert.equal(spec["replicas"], 1);
    const container = (((spec["template"] as Record<string, unknown>)["spec"] as Record<string, unknown>)["containers"] as Record<string, unknown>[])[0];
    assert.deepEqual(container?.["env"], [{ name: "A", value: "1" }], "known nested fields survive");
    assert.deepEqual(container?.["resources"], { limits: { cpu: "1" } });
  });

  test("Strict: POST 400, PATCH 422 with the patch cause; Ignore: silent", async () => {
    const post = await call(server, "POST", `${WIDGETS}?fieldValidation=Strict`, widget("fv2", { image: "i", foo: 1 }));
    assert.equal(post.status, 400);
    assert.equal(post.body["message"], 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.foo"');
    await call(server, "POST", WIDGETS, widget("fv2", { image: "i" }));
    const patch = await call(server, "PATCH", `${WIDGETS}/fv2?fieldValidation=Strict`, { spec: { foo: 1 } }, { "content-type": "application/merge-patch+json" });
    assert.equal(patch.status, 422);
    assert.match(String(patch.body["message"]), /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.foo"$/);
    const ignore = await call(server, "POST", `${WIDGETS}?fieldValidation=Ignore`, widget("fv3", { image: "i", foo: 1 }));
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.get("warning"), null);
  });
});

describe("updates, generation, subresources", () => {
  test("stale resourceVersion is 409 Conflict; CR update without RV is 422", async () => {
    const created = await call(server, "POST", WIDGETS, widget("u1"));
    const obj = created.body;
    const ok = await call(server, "PUT", `${WIDGETS}/u1`, { ...obj, spec: { image: "w:2" } });
    assert.equal(ok.status, 200);
    assert.ok(Number(meta(ok.body)["resourceVersion"]) > Number(meta(obj)["resourceVersion"]));
    const stale = await call(server, "PUT", `${WIDGETS}/u1`, { ...obj, spec: { image: "w:3" } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body["reason"], "Conflict");
    assert.equal(stale.body["message"], 'Operation cannot be fulfilled on widgets.fixtures.sluice.dev "u1": the object has been modified; please apply your changes to the latest version and try again');
    const noRv = await call(server, "PUT", `${WIDGETS}/u1`, { ...obj, metadata: { name: "u1" } });
    assert.equal(noRv.status, 422);
    assert.equal(noRv.body["message"], 'widgets.fixtures.sluice.dev "u1" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    const nameMismatch = await call(server, "PUT", `${WIDGETS}/u1`, { ...ok.body, metadata: { ...meta(ok.body), name: "other" } });
    assert.equal(nameMismatch.body["message"], "the name of the object (other) does not match the name on the URL (u1)");
  });

  test("ConfigMap allows unconditional update; no-op update keeps the resourceVersion", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm1" }, data: { a: "1" } };
    const c = await call(server, "POST", "/api/v1/namespaces/default/configmaps", cm);
    assert.equal(c.status, 201);
    const u = await call(server, "PUT", "/api/v1/namespaces/default/configmaps/cm1", { ...cm, data: { a: "2" } });
    assert.equal(u.status, 200);
    assert.equal((u.body["data"] as Record<string, string>)["a"], "2");
    const same = await call(server, "PUT", "/api/v1/namespaces/default/configmaps/cm1", u.body);
    assert.equal(meta(same.body)["resourceVersion"], meta(u.body)["resourceVersion"]);
  });

  test("generation bumps on spec changes only; status subresource isolation both ways", async () => {
    const c = await call(server, "POST", WIDGETS, { ...widget("g1"), status: { phase: "Ignored" } });
    assert.equal(c.body["status"], undefined, "status dropped on create");
    const labelled = await call(server, "PATCH", `${WIDGETS}/g1`, { metadata: { labels: { a: "b" } } }, { "content-type": "application/merge-patch+json" });
    assert.equal(meta(labelled.body)["generation"], 1);
    const spec = await call(server, "PATCH", `${WIDGETS}/g1`, { spec: { replicas: 3 } }, { "content-type": "application/merge-patch+json" });
    assert.equal(meta(spec.body)["generation"], 2);
    const mainStatus = await call(server, "PATCH", `${WIDGETS}/g1`, { status: { phase: "Nope" } }, { "content-type": "application/merge-patch+json" });
    assert.equal(mainStatus.body["status"], undefined, "main resource cannot write status");
    const st = await call(server, "PATCH", `${WIDGETS}/g1/status`, { status: { phase: "Running" }, spec: { replicas: 9 }, metadata: { labels: { x: "y" } } }, { "content-type": "application/merge-patch+json" });
    assert.equal(st.status, 200);
    assert.deepEqual(st.body["status"], { phase: "Running" });
    assert.equal((st.body["spec"] as Record<string, unknown>)["replicas"], 3, "status write cannot change spec");
    assert.deepEqual(meta(st.body)["labels"], { a: "b" }, "status write cannot change labels");
    assert.equal(meta(st.body)["generation"], 2);
    const bad = await call(server, "PUT", `${WIDGETS}/g1/status`, { ...st.body, status: { phase: 5 } });
    assert.equal(bad.status, 422);
    assert.match(String(bad.body["message"]), /status.phase: Invalid value: "integer": status.phase in body must be of type string: "integer"/);
  });

  test("/scale reads and writes spec.replicas", async () => {
    await call(server, "POST", WIDGETS, widget("s1", { image: "i", replicas: 2 }));
    await call(server, "PATCH", `${WIDGETS}/s1/status`, { status: { replicas: 1, selector: "app=s1" } }, { "content-type": "application/merge-patch+json" });
    const scale = await call(server, "GET", `${WIDGETS}/s1/scale`);
    assert.equal(scale.body["kind"], "Scale");
    assert.equal(scale.body["apiVersion"], "autoscaling/v1");
    assert.deepEqual(scale.body["spec"], { replicas: 2 });
    assert.deepEqual(scale.body["status"], { replicas: 1, selector: "app=s1" });
    const patched = await call(server, "PATCH", `${WIDGETS}/s1/scale`, { spec: { replicas: 5 } }, { "content-type": "application/merge-patch+json" });
    assert.deepEqual(patched.body["spec"], { replicas: 5 });
    const obj = await call(server, "GET", `${WIDGETS}/s1`);
    assert.equal((obj.body["spec"] as Record<string, unknown>)["replicas"], 5);
    assert.equal(meta(obj.body)["generation"], 2);
  });

  test("patch types: SMP is 415 on CRs, JSON patch test failure is 422, merge patch RV precondition, force only for apply", async () => {
    await call(server, "POST", WIDGETS, widget("p1"));
    const smp = await call(server, "PATCH", `${WIDGETS}/p1`, { spec: { replicas: 2 } }, { "content-type": "application/strategic-merge-patch+json" });
    assert.equal(smp.status, 415);
    assert.equal(smp.body["reason"], "UnsupportedMediaType");
    const jp = await call(server, "PATCH", `${WIDGETS}/p1`, [{ op: "test", path: "/spec/replicas", value: 7 }], { "content-type": "application/json-patch+json" });
    assert.equal(jp.status, 422);
    const ok = await call(server, "PATCH", `${WIDGETS}/p1`, [{ op: "replace", path: "/spec/replicas", value: 7 }], { "content-type": "application/json-patch+json" });
    assert.equal((ok.body["spec"] as Record<string, unknown>)["replicas"], 7);
    const stale = await call(server, "PATCH", `${WIDGETS}/p1`, { metadata: { resourceVersion: "1" }, spec: { replicas: 3 } }, { "content-type": "application/merge-patch+json" });
    assert.equal(stale.status, 409);
    const ssaStatus = await call(server, "PATCH", `${WIDGETS}/p1/status?fieldManager=x`, "{}", { "content-type": "application/apply-patch+yaml" });
    assert.equal(ssaStatus.status, 415, "apply on subresources is not implemented");
    const forceNonApply = await call(server, "PATCH", `${WIDGETS}/p1?force=true`, { spec: {} }, { "content-type": "application/merge-patch+json" });
    assert.equal(forceNonApply.status, 422);
    assert.match(String(forceNonApply.body["message"]), /force: Forbidden: may not be specified for non-apply patch/);
  });

  test("strategic merge patch on a Deployment merges containers by name", async () => {
    const dep = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "smp" },
      spec: { selector: { matchLabels: { app: "smp" } }, template: { metadata: { labels: { app: "smp" } }, spec: { containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] } } },
    };
    const c = await call(server, "POST", "/apis/apps/v1/namespaces/default/deployments", dep);
    assert.equal(c.status, 201);
    assert.equal((c.body["spec"] as Record<string, unknown>)["replicas"], 1, "built-in defaults");
    const p = await call(server, "PATCH", "/apis/apps/v1/namespaces/default/deployments/smp", { spec: { template: { spec: { containers: [{ name: "b", image: "b:2" }] } } } }, { "content-type": "application/strategic-merge-patch+json" });
    assert.equal(p.status, 200);
    const containers = (((p.body["spec"] as Record<string, unknown>)["template"] as Record<string, unknown>)["spec"] as Record<string, unknown>)["containers"] as Record<string, unknown>[];
    assert.deepEqual(containers.map((x) => `${String(x["name"])}=${String(x["image"])}`), ["a=a:1", "b=b:2"]);
    assert.equal(meta(p.body)["generation"], 2);
  });
});

describe("delete, finalizers, garbage collection", () => {
  test("finalizers keep the object with deletionTimestamp until removed", async () => {
    await call(server, "POST", WIDGETS, widget("f1", { image: "i" }, { finalizers: ["fixtures.sluice.dev/keep"] }));
    const del = await call(server, "DELETE", `${WIDGETS}/f1`);
    assert.equal(del.status, 200);
    assert.equal(del.body["kind"], "Widget");
    assert.ok(meta(del.body)["deletionTimestamp"]);
    assert.equal(meta(del.body)["generation"], 2);
    const add = await call(server, "PATCH", `${WIDGETS}/f1`, { metadata: { finalizers: ["fixtures.sluice.dev/keep", "fixtures.sluice.dev/more"] } }, { "content-type": "application/merge-patch+json" });
    assert.equal(add.status, 422);
    assert.match(String(add.body["message"]), /no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"fixtures.sluice.dev\/more"\}/);
    const rm = await call(server, "PATCH", `${WIDGETS}/f1`, { metadata: { finalizers: null } }, { "content-type": "application/merge-patch+json" });
    assert.equal(rm.status, 200);
    assert.equal((await call(server, "GET", `${WIDGETS}/f1`)).status, 404);
  });

  test("delete without finalizers answers a Success Status; preconditions are checked", async () => {
    const c = await call(server, "POST", WIDGETS, widget("d1"));
    const pre = await call(server, "DELETE", `${WIDGETS}/d1`, { preconditions: { uid: "wrong" } });
    assert.equal(pre.status, 409);
    assert.match(String(pre.body["message"]), /Precondition failed: UID in precondition: wrong, UID in object meta: /);
    const del = await call(server, "DELETE", `${WIDGETS}/d1`);
    assert.deepEqual(del.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: "d1", group: "fixtures.sluice.dev", kind: "widgets", uid: meta(c.body)["uid"] } });
  });

  async function ownerWithReplicaSets(name: string, count: number): Promise<string> {
    const owner = await call(server, "POST", WIDGETS, widget(name));
    const uid = String(meta(owner.body)["uid"]);
    for (let i = 0; i < count; i++) {
      const rs = await call(server, "POST", "/apis/apps/v1/namespaces/default/replicasets", {
        apiVersion: "apps/v1", kind: "ReplicaSet",
        metadata: { name: `${name}-${i}`, labels: { owner: name }, ownerReferences: [{ apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", name, uid, controller: true, blockOwnerDeletion: true }] },
        spec: { replicas: 1, selector: { matchLabels: { owner: name } }, template: { metadata: { labels: { owner: name } }, spec: { containers: [{ name: "c", image: "i" }] } } },
      });
      assert.equal(rs.status, 201);
    }
    return uid;
  }

  async function replicaSets(owner: string): Promise<Record<string, unknown>[]> {
    const r = await call(server, "GET", `/apis/apps/v1/namespaces/default/replicasets?labelSelector=owner%3D${owner}`);
    return r.body["items"] as Record<string, unknown>[];
  }

  async function waitFor(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail("condition not reached");
  }

  test("background deletion garbage-collects owned ReplicaSets", async () => {
    await ownerWithReplicaSets("bg", 2);
    assert.equal((await replicaSets("bg")).length, 2);
    await call(server, "DELETE", `${WIDGETS}/bg`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
    await waitFor(async () => (await replicaSets("bg")).length === 0);
  });

  test("foreground deletion keeps the owner until dependents are gone", async () => {
    await ownerWithReplicaSets("fg", 2);
    const del = await call(server, "DELETE", `${WIDGETS}/fg?propagationPolicy=Foreground`);
    assert.deepEqual(meta(del.body)["finalizers"], ["foregroundDeletion"]);
    await waitFor(async () => (await call(server, "GET", `${WIDGETS}/fg`)).status === 404);
    assert.equal((await replicaSets("fg")).length, 0);
  });

  test("orphan deletion strips ownerReferences and keeps dependents", async () => {
    await ownerWithReplicaSets("or", 2);
    await call(server, "DELETE", `${WIDGETS}/or`, { propagationPolicy: "Orphan" });
    await waitFor(async () => (await call(server, "GET", `${WIDGETS}/or`)).status === 404);
    const left = await replicaSets("or");
    assert.equal(left.length, 2);
    for (const rs of left) assert.equal(meta(rs)["ownerReferences"], undefined);
  });
});

describe("lists, selectors, tables", () => {
  test("label and field selectors; bad selectors are 400", async () => {
    for (const [n, tier] of [["l1", "a"], ["l2", "b"], ["l3", "c"]] as const) await call(server, "POST", WIDGETS, widget(n, { image: "i" }, { labels: { tier, group: "sel" } }));
    const names = async (q: string): Promise<string[]> => ((await call(server, "GET", `${WIDGETS}?${q}`)).body["items"] as Record<string, unknown>[]).map((i) => String(meta(i)["name"]));
    assert.deepEqual(await names("labelSelector=" + encodeURIComponent("group=sel,tier in (a,c)")), ["l1", "l3"]);
    assert.deepEqual(await names("labelSelector=" + encodeURIComponent("group=sel,tier!=a")), ["l2", "l3"]);
    assert.deepEqual(await names("fieldSelector=metadata.name%3Dl2"), ["l2"]);
    const bad = await call(server, "GET", `${WIDGETS}?fieldSelector=spec.image%3Di`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body["message"], "field label not supported: spec.image");
    const list = await call(server, "GET", WIDGETS);
    assert.equal(list.body["kind"], "WidgetList");
    assert.match(String(meta(list.body)["resourceVersion"]), /^[1-9]\d*$/);
  });

  test("limit/continue pages through a list at one resourceVersion", async () => {
    for (let i = 0; i < 5; i++) await call(server, "POST", "/api/v1/namespaces/kube-public/configmaps", { metadata: { name: `page-${i}` } });
    const names: string[] = [];
    let cont = "";
    const rvs = new Set<string>();
    const remaining: unknown[] = [];
    do {
      const r = await call(server, "GET", `/api/v1/namespaces/kube-public/configmaps?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`);
      assert.equal(r.status, 200);
      for (const item of r.body["items"] as Record<string, unknown>[]) names.push(String(meta(item)["name"]));
      rvs.add(String(meta(r.body)["resourceVersion"]));
      remaining.push(meta(r.body)["remainingItemCount"]);
      cont = String(meta(r.body)["continue"] ?? "");
      if (names.length === 2) await call(server, "POST", "/api/v1/namespaces/kube-public/configmaps", { metadata: { name: "page-9" } });
    } while (cont !== "");
    assert.deepEqual(names, ["page-0", "page-1", "page-2", "page-3", "page-4", "page-9"]);
    assert.equal(rvs.size, 1, "list resourceVersion is stable across pages");
    assert.equal(remaining[0], 3);
    const bad = await call(server, "GET", "/api/v1/namespaces/kube-public/configmaps?limit=2&continue=garbage");
    assert.equal(bad.status, 410);
    assert.equal(bad.body["reason"], "Expired");
  });

  test("Table responses use printer columns", async () => {
    await call(server, "POST", WIDGETS, widget("t1", { image: "i", replicas: 4 }));
    const r = await call(server, "GET", `${WIDGETS}/t1`, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json" });
    assert.equal(r.body["kind"], "Table");
    const columns = (r.body["columnDefinitions"] as { name: string }[]).map((c) => c.name);
    assert.deepEqual(columns, ["Name", "Desired", "Mode", "Phase", "Age"]);
    const row = (r.body["rows"] as { cells: unknown[]; object: Record<string, unknown> }[])[0];
    assert.deepEqual(row?.cells.slice(0, 4), ["t1", 4, "canary", null]);
    assert.equal(row?.object["kind"], "PartialObjectMetadata");
    const bad = await call(server, "GET", `${WIDGETS}?includeObject=Nope`, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    assert.equal(bad.status, 400);
  });
});

describe("events", () => {
  test("core/v1 and events.k8s.io/v1 Events are two views of one object", async () => {
    const created = await call(server, "POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
      apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name: "web.1" },
      regarding: { apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", name: "web", namespace: "default" },
      note: "Scaled to 3", reason: "ScaledUp", type: "Normal", action: "Scale",
      eventTime: "2024-05-01T12:00:00.123456Z", reportingController: "sluice", reportingInstance: "sluice-0",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body["note"], "Scaled to 3");
    const core = await call(server, "GET", "/api/v1/namespaces/default/events/web.1");
    assert.equal(core.body["apiVersion"], "v1");
    assert.equal(core.body["message"], "Scaled to 3");
    assert.equal(core.body["reportingComponent"], "sluice");
    assert.deepEqual((core.body["involvedObject"] as Record<string, unknown>)["name"], "web");
    const byField = await call(server, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb");
    assert.equal((byField.body["items"] as unknown[]).length, 1);
    const viaNew = await call(server, "GET", "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dweb");
    assert.equal((viaNew.body["items"] as Record<string, unknown>[])[0]?.["note"], "Scaled to 3");
    await call(server, "POST", "/api/v1/namespaces/default/events", {
      apiVersion: "v1", kind: "Event", metadata: { name: "web.2" }, involvedObject: { kind: "Widget", name: "web" }, message: "hello", count: 2,
    });
    const other = await call(server, "GET", "/apis/events.k8s.io/v1/namespaces/default/events/web.2");
    assert.equal(other.body["note"], "hello");
    assert.equal(other.body["deprecatedCount"], 2);
    assert.equal(other.body["apiVersion"], "events.k8s.io/v1");
  });
});

describe("discovery and OpenAPI", () => {
  test("CRD groups and resources are published with subresources", async () => {
    const apis = await call(server, "GET", "/apis");
    assert.equal(apis.headers.get("content-type"), "application/json");
    const group = (apis.body["groups"] as { name: string; preferredVersion: { version: string } }[]).find((g) => g.name === "fixtures.sluice.dev");
    assert.equal(group?.preferredVersion.version, "v1");
    const list = await call(server, "GET", "/apis/fixtures.sluice.dev/v1");
    const names = (list.body["resources"] as { name: string }[]).map((r) => r.name);
    assert.deepEqual(names, ["widgets", "widgets/status", "widgets/scale"]);
    const core = await call(server, "GET", "/api/v1");
    assert.ok((core.body["resources"] as { name: string }[]).some((r) => r.name === "namespaces"));
  });

  test("OpenAPI v3 GV docs carry a PATCH op with the fieldValidation parameter", async () => {
    const root = await call(server, "GET", "/openapi/v3");
    const paths = root.body["paths"] as Record<string, { serverRelativeURL: string }>;
    const url = paths["apis/fixtures.sluice.dev/v1"]?.serverRelativeURL;
    assert.ok(url?.startsWith("/openapi/v3/apis/fixtures.sluice.dev/v1?hash="));
    assert.ok(paths["api/v1"]);
    const doc = await call(server, "GET", url ?? "");
    const op = (doc.body["paths"] as Record<string, { patch?: { "x-kubernetes-group-version-kind": unknown; parameters: { name: string; in: string }[] } }>)["/apis/fixtures.sluice.dev/v1/namespaces/{namespace}/widgets/{name}"]?.patch;
    assert.deepEqual(op?.["x-kubernetes-group-version-kind"], { group: "fixtures.sluice.dev", version: "v1", kind: "Widget" });
    assert.ok(op?.parameters.some((p) => p.name === "fieldValidation" && p.in === "query"));
  });

  test("non-structural CRDs are rejected; deleting a CRD removes its instances and endpoints", async () => {
    const crd = (name: string, schema: Record<string, unknown>): Record<string, unknown> => ({
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${name}s.t.sluice.dev` },
      spec: { group: "t.sluice.dev", scope: "Namespaced", names: { plural: `${name}s`, kind: name[0]?.toUpperCase() + name.slice(1) }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    const bad = await call(server, "POST", CRDS, crd("gadget", { type: "object", properties: { spec: { properties: { a: { type: "string" } } } } }));
    assert.equal(bad.status, 422);
    assert.match(String(bad.body["message"]), /spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].type: Required value: must not be empty for specified object fields/);
    const good = await call(server, "POST", CRDS, crd("gizmo", { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }));
    assert.equal(good.status, 201);
    const conditions = ((good.body["status"] as Record<string, unknown>)["conditions"] as { type: string; status: string }[]).map((c) => `${c.type}=${c.status}`);
    assert.deepEqual(conditions, ["NamesAccepted=True", "Established=True"]);
    const inst = await call(server, "POST", "/apis/t.sluice.dev/v1/namespaces/default/gizmos", { apiVersion: "t.sluice.dev/v1", kind: "Gizmo", metadata: { name: "g" }, spec: { anything: 1 } });
    assert.equal(inst.status, 201);
    assert.deepEqual(inst.body["spec"], { anything: 1 });
    await call(server, "DELETE", `${CRDS}/gizmos.t.sluice.dev`);
    for (let i = 0; i < 100 && (await call(server, "GET", `${CRDS}/gizmos.t.sluice.dev`)).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await call(server, "GET", `${CRDS}/gizmos.t.sluice.dev`)).status, 404);
    const gone = await call(server, "GET", "/apis/t.sluice.dev/v1/namespaces/default/gizmos");
    assert.equal(gone.text, "404 page not found\n");
    assert.equal(server.store.count("gizmos.t.sluice.dev"), 0);
  });

  test("deleting a namespace removes its content", async () => {
    await call(server, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
    await call(server, "POST", "/api/v1/namespaces/doomed/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } });
    const del = await call(server, "DELETE", "/api/v1/namespaces/doomed");
    assert.equal((del.body["status"] as Record<string, unknown>)["phase"], "Terminating");
    const blocked = await call(server, "POST", "/api/v1/namespaces/doomed/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late" } });
    if (blocked.status !== 404) {
      assert.equal(blocked.status, 403);
      assert.match(String(blocked.body["message"]), /unable to create new content in namespace doomed because it is being terminated/);
    }
    for (let i = 0; i < 100 && (await call(server, "GET", "/api/v1/namespaces/doomed")).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await call(server, "GET", "/api/v1/namespaces/doomed")).status, 404);
    assert.equal(server.store.list("configmaps", "doomed").length, 0);
  });
});
