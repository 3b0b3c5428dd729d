/**
 * The informer caches keep only what observe() and the runner read: a ReplicaSet without its pod template,
 * an AnalysisRun without its metrics and measurements, nothing with managedFields or kubectl's last-applied
 * copy. Checked on the cache itself, filled by a real list and a real watch from the sandbox API server.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pino from "pino";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { InformerClusterView } from "../../src/controller/cluster-view.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";

let env: Env;
let view: InformerClusterView;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await view?.stop();
  await env?.stop();
});

const lastApplied = { "kubectl.kubernetes.io/last-applied-configuration": "{\"a\":\"".padEnd(2000, "x") + "\"}", keep: "me" };
const replicaSet = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name, namespace: "default", labels: { [ROLLOUT_LABEL]: "app", "rollouts-pod-template-hash": name }, annotations: lastApplied },
  spec: { replicas: 2, selector: { matchLabels: { app: "app" } }, template: { metadata: { labels: { app: "app" } }, spec: { containers: [{ name: "app", image: "acme/app:1", env: [{ name: "BIG", value: "y".repeat(4000) }] }] } } },
});
const analysisRun = (name: string) => ({
  apiVersion: API_GROUP_VERSION,
  kind: "AnalysisRun",
  metadata: { name, namespace: "default", labels: { [ROLLOUT_LABEL]: "app" } },
  spec: { terminate: true, metrics: [{ name: "m", interval: "1s", successCondition: { max: 1 }, provider: { prometheus: { query: "vector(0)" } } }] },
});

test("the caches hold ReplicaSets and AnalysisRuns trimmed to what is read, from the list and from the watch", { timeout: 30_000 }, async () => {
  await env.kube.create(replicaSet("listed"));
  await env.kube.create(analysisRun("listed-run"));
  view = new InformerClusterView(env.kc, "default", () => undefined, pino({ level: "silent" }));
  await view.start();
  await env.kube.create(replicaSet("watched"));
  await env.kube.create(analysisRun("watched-run"));
  await env.waitFor("the watched objects cached", async () => (view.replicaSets("default", "app").length === 2 && view.analysisRuns("default", "app").length === 2 ? true : undefined));
  for (const rs of view.replicaSets("default", "app")) {
    assert.deepEqual(Object.keys(rs.spec ?? {}), ["replicas"], `${rs.metadata.name}: spec keeps replicas only`);
    assert.deepEqual(Object.keys(rs.metadata).sort(), ["annotations", "labels", "name", "namespace", "resourceVersion"], `${rs.metadata.name}: metadata keeps what observe() reads`);
    assert.equal(rs.metadata.managedFields, undefined);
    assert.deepEqual(rs.metadata.annotations, { keep: "me" });
    assert.equal(rs.metadata.labels?.[ROLLOUT_LABEL], "app");
  }
  for (const run of view.analysisRuns("default", "app")) assert.deepEqual(run.spec, { terminate: true }, `${run.metadata.name}: spec keeps terminate only`);
});
