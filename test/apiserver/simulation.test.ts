// Workload simulation: ReplicaSet status follows spec after the delay; optional Pods; custom
// simulators receive changes and write status through the handle.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReplicaSetChange, WorkloadHandle, WorkloadSimulator } from "../../src/sandbox/apiserver/index.ts";
import { call, eventually, meta, startTestServer } from "./helpers.ts";

const RS = "/apis/apps/v1/namespaces/default/replicasets";
const rs = (name: string, replicas: number): Record<string, unknown> => ({
  apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "i:1" }] } } },
});

test("default simulator with Pods: ready after the delay, scale down removes Pods, GC removes the rest", async () => {
  const server = await startTestServer({ readyDelayMs: 100, simulatePods: true });
  try {
    const created = await call(server, "POST", RS, rs("web", 3));
    assert.equal(created.status, 201);
    const early = await eventually(async () => {
      const r = await call(server, "GET", `${RS}/web`);
      const st = r.body["status"] as Record<string, number> | undefined;
      return st?.["replicas"] === 3 ? st : undefined;
    });
    assert.equal(early["readyReplicas"], 0, "not ready before the delay");
    const ready = await eventually(async () => {
      const r = await call(server, "GET", `${RS}/web`);
      const st = r.body["status"] as Record<string, number> | undefined;
      return st?.["readyReplicas"] === 3 ? st : undefined;
    });
    assert.equal(ready["availableReplicas"], 3);
    assert.equal(ready["observedGeneration"], 1);
    const pods = await call(server, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
    const items = pods.body["items"] as Record<string, unknown>[];
    assert.equal(items.length, 3);
    for (const pod of items) {
      assert.equal((pod["status"] as Record<string, unknown>)["phase"], "Running");
      assert.match(String(meta(pod)["name"]), /^web-[a-z0-9]{5}$/);
      const owner = (meta(pod)["ownerReferences"] as Record<string, unknown>[])[0];
      assert.equal(owner?.["uid"], meta(created.body)["uid"]);
    }
    const table = await call(server, "GET", "/api/v1/namespaces/default/pods", undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    assert.deepEqual(((table.body["rows"] as { cells: unknown[] }[])[0]?.cells ?? []).slice(1, 3), ["1/1", "Running"]);

    await call(server, "PATCH", `${RS}/web/scale`, { spec: { replicas: 1 } }, { "content-type": "application/merge-patch+json" });
    await eventually(async () => {
      const p = await call(server, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
      return (p.body["items"] as unknown[]).length === 1 ? true : undefined;
    }, 3000, "scale down");
    await call(server, "DELETE", `${RS}/web`);
    await eventually(async () => {
      const p = await call(server, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
      return (p.body["items"] as unknown[]).length === 0 ? true : undefined;
    }, 3000, "pods garbage-collected");
  } finally {
    await server.stop();
  }
});

test("a custom WorkloadSimulator gets ReplicaSet changes and writes status through the handle", async () => {
  const seen: string[] = [];
  const simulator: WorkloadSimulator = {
    onReplicaSet(change: ReplicaSetChange, handle: WorkloadHandle) {
      const m = change.replicaSet["metadata"] as Record<string, unknown>;
      seen.push(`${change.type} ${String(m["name"])}`);
      if (change.type === "ADDED") handle.patchReplicaSetStatus(String(m["namespace"]), String(m["name"]), { replicas: 42 });
    },
    stop() {},
  };
  const server = await startTestServer({ simulation: simulator });
  try {
    await call(server, "POST", RS, rs("custom", 2));
    const st = await eventually(async () => {
      const r = await call(server, "GET", `${RS}/custom`);
      const s = r.body["status"] as Record<string, number> | undefined;
      return s?.["replicas"] === 42 ? s : undefined;
    });
    assert.equal(st["replicas"], 42);
    assert.deepEqual(seen.slice(0, 2), ["ADDED custom", "MODIFIED custom"]);
    const noSim = await startTestServer({ simulation: false });
    try {
      await call(noSim, "POST", RS, rs("idle", 2));
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual((await call(noSim, "GET", `${RS}/idle`)).body["status"], { replicas: 0 });
    } finally {
      await noSim.stop();
    }
  } finally {
    await server.stop();
  }
});

test("spec.minReadySeconds: Ready pods count as available only after being Ready that long, and the status says so when the time passes", async () => {
  for (const simulatePods of [false, true]) {
    const server = await startTestServer({ readyDelayMs: 50, simulatePods });
    try {
      await call(server, "POST", RS, { ...rs("slow", 2), spec: { ...(rs("slow", 2)["spec"] as object), minReadySeconds: 1 } });
      const statusOf = async () => (await call(server, "GET", `${RS}/slow`)).body["status"] as Record<string, number> | undefined;
      const ready = await eventually(async () => ((await statusOf())?.["readyReplicas"] === 2 ? Date.now() : undefined));
      // With Pod objects Ready times are whole seconds, so availability may follow Ready within a tick: the
      // not-yet-available moment is only certain without them.
      if (!simulatePods) assert.equal((await statusOf())?.["availableReplicas"] ?? 0, 0, "Ready but not yet for minReadySeconds");
      await eventually(async () => ((await statusOf())?.["availableReplicas"] === 2 ? true : undefined), 3000, "available after minReadySeconds");
      // Pods' Ready times are whole seconds (lastTransitionTime), as in kube: up to a second early, never later than 1 s + a tick.
      assert.ok(Date.now() - ready <= 1500, `available ${Date.now() - ready} ms after Ready`);
    } finally {
      await server.stop();
    }
  }
});
