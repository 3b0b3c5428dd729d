// Capacity smoke test: 10,000 custom resources and 30,000 ReplicaSets with 105 open watches.
// Checks that fan-out only reaches the watchers of the event's namespace (plus the
// all-namespace ones) and that the common operations stay fast at that size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "./helpers.ts";

// Speed is measured by bench/apiserver-scale.ts; this checks the behaviour at that size.
test("10k custom resources + 30k ReplicaSets with watches open", { timeout: 30_000 }, async () => {
  const server = await startTestServer({ simulation: false });
  try {
    const widgets = server.registry.find("fixtures.sluice.dev", "v1", "widgets");
    const replicaSets = server.registry.find("apps", "v1", "replicasets");
    const namespaces = server.registry.find("", "v1", "namespaces");
    assert.ok(widgets && replicaSets && namespaces);
    const opts = () => ({ fieldValidation: "Ignore" as const, dryRun: false, warnings: [] as string[] });
    for (let n = 0; n < 100; n++) server.service.create(namespaces, "", { metadata: { name: `ns${n}` } }, opts());
    const perNamespace = new Map<string, number>();
    let allNamespaces = 0;
    const rv = String(server.store.currentRevision());
    for (let n = 0; n < 100; n++) {
      const ns = `ns${n}`;
      server.service.watch(replicaSets, ns, { resourceVersion: rv }, (_type, obj) => {
        const objNs = String((obj["metadata"] as Record<string, unknown>)["namespace"]);
        assert.equal(objNs, ns, "namespaced watcher only sees its namespace");
        perNamespace.set(ns, (perNamespace.get(ns) ?? 0) + 1);
      });
    }
    for (let i = 0; i < 5; i++) server.service.watch(replicaSets, undefined, { resourceVersion: rv }, () => allNamespaces++);

    for (let i = 0; i < 10_000; i++) server.service.create(widgets, `ns${i % 100}`, { metadata: { name: `w${i}` }, spec: { image: "i:1", replicas: 3 } }, opts());
    for (let i = 0; i < 30_000; i++) {
      const app = `w${i % 10_000}`;
      server.service.create(replicaSets, `ns${i % 100}`, {
        metadata: { name: `rs${i}`, labels: { app } },
        spec: { replicas: 1, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: "c", image: "i" }] } } },
      }, opts());
    }
    assert.equal(allNamespaces, 5 * 30_000);
    assert.equal([...perNamespace.values()].reduce((a, b) => a + b, 0), 30_000);
    assert.equal(perNamespace.get("ns7"), 300);

    const scoped = server.service.list(replicaSets, "ns5", { labelSelector: "app=w5" });
    assert.deepEqual(scoped.items.map((o) => (o["metadata"] as Record<string, unknown>)["name"]), ["rs10005", "rs20005", "rs5"]);
    const all = server.service.list(replicaSets, undefined, {});
    assert.equal(all.items.length, 30_000);

    const res = await fetch(`${server.url}/apis/fixtures.sluice.dev/v1/widgets`);
    const body = (await res.json()) as { items: unknown[] };
    assert.equal(body.items.length, 10_000);
  } finally {
    await server.stop();
  }
});
