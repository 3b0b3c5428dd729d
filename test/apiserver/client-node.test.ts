// @kubernetes/client-node 2.x against the server: typed APIs, KubernetesObjectApi, and
// informers surviving 410 Expired, dropped connections and update bursts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from "@kubernetes/client-node";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { eventually, startTestServer } from "./helpers.ts";

let server: ApiServer;
let kc: KubeConfig;
let custom: CustomObjectsApi;

const G = { group: "fixtures.sluice.dev", version: "v1", namespace: "default", plural: "widgets" };

interface Widget extends KubernetesObject {
  spec?: { replicas?: number; image?: string; mode?: string };
  status?: { phase?: string };
}

function widgetBody(name: string, spec: Record<string, unknown> = { image: "w:1" }): Widget {
  return { apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", metadata: { name }, spec } as Widget;
}

before(async () => {
  server = await startTestServer({ readyDelayMs: 30 });
  kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  custom = kc.makeApiClient(CustomObjectsApi);
});
after(async () => {
  await server.stop();
});

describe("typed and generic APIs", () => {
  test("CoreV1Api and AppsV1Api round trips; ReplicaSet simulation reports ready replicas", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const namespaces = await core.listNamespace();
    assert.ok(namespaces.items.some((n) => n.metadata?.name === "default"));
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedReplicaSet({
      namespace: "default",
      body: {
        metadata: { name: "sim" },
        spec: { replicas: 3, selector: { matchLabels: { app: "sim" } }, template: { metadata: { labels: { app: "sim" } }, spec: { containers: [{ name: "c", image: "i:1" }] } } },
      },
    });
    const ready = await eventually(async () => {
      const rs = await apps.readNamespacedReplicaSet({ name: "sim", namespace: "default" });
      return rs.status?.readyReplicas === 3 ? rs : undefined;
    }, 3000, "replicas ready");
    assert.equal(ready.status?.availableReplicas, 3);
    assert.equal(ready.status?.observedGeneration, 1);
    await apps.patchNamespacedReplicaSetScale({ name: "sim", namespace: "default", body: [{ op: "replace", path: "/spec/replicas", value: 1 }] });
    await eventually(async () => {
      const rs = await apps.readNamespacedReplicaSet({ name: "sim", namespace: "default" });
      return rs.status?.replicas === 1 && rs.status.readyReplicas === 1 && rs.status.observedGeneration === 2 ? true : undefined;
    }, 3000, "scaled down");
  });

  test("409 on a stale update; 404 typed as ApiException", async () => {
    const created = (await custom.createNamespacedCustomObject({ ...G, body: widgetBody("stale") })) as Widget;
    await custom.replaceNamespacedCustomObject({ ...G, name: "stale", body: { ...created, spec: { image: "w:2" } } });
    await assert.rejects(
      custom.replaceNamespacedCustomObject({ ...G, name: "stale", body: { ...created, spec: { image: "w:3" } } }),
      (e: unknown) => e instanceof ApiException && e.code === 409 && String(e.body).includes("the object has been modified"),
    );
    await assert.rejects(custom.getNamespacedCustomObject({ ...G, name: "missing" }), (e: unknown) => e instanceof ApiException && e.code === 404);
  });

  test("status subresource isolation through CustomObjectsApi", async () => {
    await custom.createNamespacedCustomObject({ ...G, body: widgetBody("iso") });
    const afterStatus = (await custom.patchNamespacedCustomObjectStatus(
      { ...G, name: "iso", body: { status: { phase: "Ready" }, spec: { image: "hacked" } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    )) as Widget;
    assert.equal(afterStatus.status?.phase, "Ready");
    assert.equal(afterStatus.spec?.image, "w:1");
    const afterMain = (await custom.patchNamespacedCustomObject(
      { ...G, name: "iso", body: [{ op: "replace", path: "/status", value: { phase: "Hacked" } }, { op: "replace", path: "/spec/image", value: "w:2" }] },
    )) as Widget;
    assert.equal(afterMain.status?.phase, "Ready");
    assert.equal(afterMain.spec?.image, "w:2");
    assert.equal(afterMain.metadata?.generation, 2);
  });

  test("schema pruning drops a field the schema does not declare", async () => {
    const created = (await custom.createNamespacedCustomObject({ ...G, body: widgetBody("pruned", { image: "w:1", undeclared: "x" }) })) as Widget;
    assert.deepEqual(created.spec, { image: "w:1", replicas: 1, mode: "canary" });
    const read = (await custom.getNamespacedCustomObject({ ...G, name: "pruned" })) as Record<string, Record<string, unknown>>;
    assert.equal(read["spec"]?.["undeclared"], undefined);
  });

  test("KubernetesObjectApi: create, read, strategic patch on built-ins, 415 on CRs", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.create({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "koa", namespace: "default" },
      spec: { selector: { matchLabels: { app: "koa" } }, template: { metadata: { labels: { app: "koa" } }, spec: { containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] } } },
    } as KubernetesObject);
    const patched = (await objects.patch({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "koa", namespace: "default" },
      spec: { template: { spec: { containers: [{ name: "b", image: "b:2" }] } } },
    } as KubernetesObject)) as KubernetesObject & { spec: { template: { spec: { containers: { name: string; image: string }[] } } } };
    assert.deepEqual(patched.spec.template.spec.containers.map((c) => c.image), ["a:1", "b:2"]);
    const read = await objects.read({ apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", metadata: { name: "pruned", namespace: "default" } });
    assert.equal(read.metadata?.name, "pruned");
    await assert.rejects(
      objects.patch({ apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", metadata: { name: "pruned", namespace: "default" }, spec: { replicas: 2 } } as KubernetesObject),
      (e: unknown) => e instanceof ApiException && e.code === 415,
    );
    const merged = (await objects.patch(
      { apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", metadata: { name: "pruned", namespace: "default" }, spec: { replicas: 2 } } as KubernetesObject,
      undefined, undefined, undefined, undefined, PatchStrategy.MergePatch,
    )) as Widget;
    assert.equal(merged.spec?.replicas, 2);
  });
});

describe("leases (leader election)", () => {
  test("PUT creates, stale or missing resourceVersion is rejected, MicroTime has 6 digits", async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const renew = new Date("2024-05-01T12:03:10.482Z");
    const created = await leases.replaceNamespacedLease({
      name: "sluice-controller", namespace: "default",
      body: { metadata: { name: "sluice-controller" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: renew as never } },
    });
    assert.equal(created.spec?.holderIdentity, "a");
    const raw = await fetch(`${server.url}/apis/coordination.k8s.io/v1/namespaces/default/leases/sluice-controller`).then((r) => r.json() as Promise<{ spec: { renewTime: string } }>);
    assert.equal(raw.spec.renewTime, "2024-05-01T12:03:10.482000Z");
    const takeover = await leases.replaceNamespacedLease({ name: "sluice-controller", namespace: "default", body: { ...created, spec: { ...created.spec, holderIdentity: "b" } } });
    assert.equal(takeover.spec?.holderIdentity, "b");
    await assert.rejects(
      leases.replaceNamespacedLease({ name: "sluice-controller", namespace: "default", body: { ...created, spec: { ...created.spec, holderIdentity: "c" } } }),
      (e: unknown) => e instanceof ApiException && e.code === 409,
    );
    await assert.rejects(
      leases.replaceNamespacedLease({ name: "sluice-controller", namespace: "default", body: { metadata: { name: "sluice-controller" }, spec: { holderIdentity: "d" } } }),
      (e: unknown) => e instanceof ApiException && e.code === 422 && String(e.body).includes("must be specified for an update"),
    );
  });
});

describe("informers", () => {
  function widgetInformer(labelSelector: string) {
    const path = "/apis/fixtures.sluice.dev/v1/namespaces/default/widgets";
    return makeInformer<Widget>(kc, path, () => custom.listNamespacedCustomObject({ ...G, labelSelector }) as Promise<{ metadata?: { resourceVersion?: string }; items: Widget[] }> as never, labelSelector);
  }

  async function createLabelled(name: string, suite: string, spec: Record<string, unknown> = { image: "w:1" }): Promise<void> {
    await custom.createNamespacedCustomObject({ ...G, body: { ...widgetBody(name, spec), metadata: { name, labels: { suite } } } });
  }

  test("relists after 410 Expired and sees deletions that happened while disconnected", async () => {
    await createLabelled("e1", "expired");
    await createLabelled("e2", "expired");
    const informer = widgetInformer("suite=expired");
    const deleted: string[] = [];
    const errors: unknown[] = [];
    informer.on("delete", (o) => deleted.push(o.metadata?.name ?? ""));
    informer.on("error", (e) => errors.push(e));
    await informer.start();
    await eventually(() => (informer.list("default").length === 2 ? true : undefined), 3000, "initial sync");

    // While the watch is down: delete e2 and forget history, so the resume gets 410 Expired.
    const expiredBefore = server.service.expiredWatches;
    server.faults.dropWatches({ graceful: true });
    await custom.deleteNamespacedCustomObject({ ...G, name: "e2" });
    server.compactHistory();
    await eventually(() => (deleted.includes("e2") ? true : undefined), 5000, "delete seen through relist");
    assert.ok(server.service.expiredWatches > expiredBefore, "the resumed watch was answered 410 Expired");
    await createLabelled("e3", "expired");
    await eventually(() => (informer.get("e3", "default") ? true : undefined), 5000, "watch resumed after relist");
    assert.deepEqual(errors, []);
    await informer.stop();
  });

  test("reconnects after a dropped connection (graceful close and reset)", async () => {
    await createLabelled("d1", "drop");
    const informer = widgetInformer("suite=drop");
    let running = true;
    informer.on("error", () => {
      // Documented client-node pattern: a broken watch stops the informer; restart it.
      setTimeout(() => {
        if (running) void informer.start();
      }, 50);
    });
    await informer.start();
    await eventually(() => (informer.get("d1", "default") ? true : undefined), 3000, "initial sync");
    assert.ok(server.faults.dropWatches({ graceful: true }) >= 1);
    await createLabelled("d2", "drop");
    await eventually(() => (informer.get("d2", "default") ? true : undefined), 5000, "after graceful drop");
    await eventually(() => (server.faults.openWatchCount() > 0 ? true : undefined), 5000, "watch reopened");
    assert.ok(server.faults.dropWatches() >= 1);
    await createLabelled("d3", "drop");
    await eventually(() => (informer.get("d3", "default") ? true : undefined), 5000, "after connection reset");
    running = false;
    await informer.stop();
  });

  test("a burst of 1,000 updates ends with the last state in the cache", async () => {
    await createLabelled("burst", "burst", { image: "w:0", replicas: 0 });
    const informer = widgetInformer("suite=burst");
    await informer.start();
    await eventually(() => (informer.get("burst", "default") ? true : undefined), 3000, "initial sync");
    const path = `${server.url}/apis/fixtures.sluice.dev/v1/namespaces/default/widgets/burst`;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(path, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { image: `w:${batch * 50 + i + 1}` } }) }).then((r) => r.text()),
        ),
      );
    }
    await fetch(path, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { image: "w:final", replicas: 7 } }) });
    const final = await eventually(() => {
      const w = informer.get("burst", "default");
      return w?.spec?.image === "w:final" ? w : undefined;
    }, 5000, "final state");
    assert.equal(final.spec?.replicas, 7);
    assert.equal(final.metadata?.generation, 1002);
    await informer.stop();
  });
});
