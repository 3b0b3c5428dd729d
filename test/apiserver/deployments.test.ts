// The sandbox's deployment controller: a Deployment gets a ReplicaSet per pod template, scaled to its replicas,
// the old one scaled down only as the new one's pods become available, and a status summing them; so a
// Rollout with workloadRef sees a Deployment as on a cluster.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { call, eventually, startTestServer } from "./helpers.ts";

let server: ApiServer;
before(async () => {
  server = await startTestServer({ readyDelayMs: 300 });
});
after(async () => server?.stop());

const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
const deployment = (image: string, replicas = 2) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image }] } },
  },
});
type RS = { metadata: { name: string; labels: Record<string, string> }; spec: { replicas: number }; status?: { availableReplicas?: number } };
const replicaSets = async () => ((await call(server, "GET", "/apis/apps/v1/namespaces/default/replicasets")).body["items"] as RS[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
const status = async () => (await call(server, "GET", `${DEPLOYMENTS}/web`)).body["status"] as { replicas?: number; availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number } | undefined;

test("a Deployment gets one ReplicaSet per template; on a new template the old one shrinks only as the new one's pods are available", async () => {
  assert.equal((await call(server, "POST", DEPLOYMENTS, deployment("web:1"))).status, 201);
  const first = await eventually(async () => {
    const s = await status();
    return s?.availableReplicas === 2 ? s : undefined;
  }, 5000, "2 available");
  assert.deepEqual({ replicas: first.replicas, updated: first.updatedReplicas, generation: first.observedGeneration }, { replicas: 2, updated: 2, generation: 1 });
  const [v1] = await replicaSets();
  assert.ok(v1?.metadata.name.startsWith("web-"), "named NAME-HASH");
  assert.ok(v1?.metadata.labels["pod-template-hash"]);

  assert.equal((await call(server, "PUT", `${DEPLOYMENTS}/web`, deployment("web:2"))).status, 200);
  // Right after the change: the new ReplicaSet asks for 2, the old one still holds its 2 (nothing available yet).
  const during = await eventually(async () => {
    const sets = await replicaSets();
    return sets.length === 2 ? sets : undefined;
  }, 2000, "a second ReplicaSet");
  const old = during.find((rs) => rs.metadata.name === v1?.metadata.name);
  assert.equal(old?.spec.replicas, 2, "capacity is kept until the new pods are available");
  const done = await eventually(async () => {
    const s = await status();
    const sets = await replicaSets();
    return s?.availableReplicas === 2 && s.replicas === 2 && sets.find((rs) => rs.metadata.name === v1?.metadata.name)?.spec.replicas === 0 ? s : undefined;
  }, 5000, "the old ReplicaSet at 0");
  assert.equal(done.observedGeneration, 2);

  // Scaled to 0 (as a Rollout's scaleDown does), every ReplicaSet goes to 0.
  await call(server, "PATCH", `${DEPLOYMENTS}/web`, { spec: { replicas: 0 } }, { "content-type": "application/merge-patch+json" });
  await eventually(async () => ((await status())?.replicas === 0 && (await replicaSets()).every((rs) => rs.spec.replicas === 0) ? true : undefined), 3000, "all at 0");
});
