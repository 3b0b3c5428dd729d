/**
 * The chaos suite's eyes, without the chaos: a snapshot of a canary's real objects in the sandbox store is
 * judged by the shared invariants, and each of (a), (b), (c) is reported when the objects break it — so
 * `npm run chaos` cannot pass by never seeing anything.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION, POD_TEMPLATE_HASH_LABEL } from "../../src/api/group.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import type { KubeObject } from "../../src/kube/kube-object.ts";
import { KubeConfig } from "@kubernetes/client-node";
import { ClientNodeKube } from "../../src/kube/kube-client.ts";
import { startApiServer, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { thirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { CRD_FILES } from "../helpers/controller-env.ts";
import { readSnapshot } from "./cluster-snapshot.ts";
import { violationsOf } from "./invariant-poller.ts";

let server: ApiServer;
let kube: ClientNodeKube;
before(async () => {
  // No workload simulation: the test sets every ReplicaSet's status itself.
  server = await startApiServer({ preload: [...CRD_FILES, thirdPartyCrdFiles.httpRoute], simulation: false });
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  kube = new ClientNodeKube(kc);
});
after(async () => server?.stop());

const meta = (name: string, labels?: Record<string, string>) => ({ name, namespace: "default", ...(labels ? { labels } : {}) });
const service = (name: string, hash: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: meta(name),
  spec: { selector: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash }, ports: [{ port: 80 }] },
});
const replicaSet = (hash: string, replicas: number): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: meta(`web-${hash}`, { app: "web", [ROLLOUT_LABEL]: "web", [POD_TEMPLATE_HASH_LABEL]: hash }),
  spec: { replicas, selector: { matchLabels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } }, template: { metadata: { labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } }, spec: { containers: [{ name: "app", image: "web" }] } } },
});
const routeRef = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "web" };

async function setWeights(stable: number, canary: number): Promise<void> {
  await kube.mergePatch(routeRef, { spec: { rules: [{ backendRefs: [{ name: "web-stable", port: 80, weight: stable }, { name: "web-canary", port: 80, weight: canary }] }] } });
}

async function setAvailable(hash: string, available: number): Promise<void> {
  const rs = await kube.get({ apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "default", name: `web-${hash}` });
  assert.ok(rs);
  await kube.replaceStatus({ ...rs, status: { replicas: available, readyReplicas: available, availableReplicas: available } }, "replicasets");
}

const found = () => {
  const snapshot = readSnapshot(server.store, "default", "web");
  assert.ok(snapshot, "the Rollout is read");
  return violationsOf(snapshot, true).map((v) => v.invariant).sort();
};

test("a snapshot of the real objects is judged by the shared invariants, and each broken one is seen", async () => {
  await kube.create(service("web-stable", "s1"));
  await kube.create(service("web-canary", "c2"));
  await kube.create({ ...routeRef, metadata: meta("web"), spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "web-stable", port: 80, weight: 100 }, { name: "web-canary", port: 80, weight: 0 }] }] } });
  await kube.create(replicaSet("s1", 3));
  await kube.create(replicaSet("c2", 1));
  await kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: meta("web"),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "web" }] } },
      strategy: { canary: { stableService: "web-stable", canaryService: "web-canary", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, steps: [{ setWeight: 20 }] } },
    },
  });
  await setAvailable("s1", 3);
  await setAvailable("c2", 0);
  assert.deepEqual(found(), [], "stable serves everything with all its pods; the canary without pods gets nothing");

  await setWeights(80, 20);
  assert.deepEqual(found(), ["a"], "20% to a canary without available pods");
  await setAvailable("c2", 1);
  assert.deepEqual(found(), []);

  await setWeights(80, 30);
  assert.deepEqual(found(), ["c"], "a rule whose weights do not sum to 100");
  await setWeights(80, 20);

  await setAvailable("s1", 1);
  assert.deepEqual(found(), ["b"], "2 pods serve where 3 - 25% (rounded down: 0) = 3 must");
  await setAvailable("s1", 0);
  assert.deepEqual(found(), ["a", "b"]);
});
