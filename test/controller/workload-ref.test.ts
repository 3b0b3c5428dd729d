/**
 * spec.workloadRef against the sandbox API server (with its deployment controller running the Deployment's
 * own pods): the Rollout takes the Deployment's pod template, a change to that template is a canary, and
 * scaleDown never / onsuccess / progressively is what happens to the Deployment's pods. A missing Deployment
 * is an invalid spec that touches nothing, and resolves when the Deployment appears.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { assertRequestsAllowedByRbac } from "../helpers/rbac.ts";

let env: Env;
let controller: Awaited<ReturnType<Env["startController"]>>;
before(async () => {
  env = await startEnv({ readyDelayMs: 100 });
  controller = await env.startController();
});
after(async () => env?.stop());

const deploymentRef = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name });
const deployment = (name: string, image: string, replicas = 3) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
  },
});
const rollout = (name: string, scaleDown: string) => ({
  apiVersion: API_GROUP_VERSION,
  kind: "Rollout",
  metadata: { name, namespace: "default" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: name } },
    workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name, scaleDown },
    strategy: { canary: { steps: [{ setWeight: 34 }, { pause: { duration: "1s" } }] } },
  },
});
const replicasOf = async (name: string) => Number(((await env.kube.get(deploymentRef(name)))?.spec as { replicas?: number } | undefined)?.replicas);
const rolloutReplicaSets = async (name: string) =>
  (await env.kube.list("apps/v1", "ReplicaSet", "default")).filter((rs) => (rs.metadata.ownerReferences as { kind: string; name: string }[] | undefined)?.some((o) => o.kind === "Rollout" && o.name === name));
const imageOf = (rs: KubeObject) => ((rs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image);

test("progressively: the Deployment gives up a pod for each Rollout pod available; a change to its template is a canary", { timeout: 60_000 }, async () => {
  await env.kube.create(deployment("shop", "acme/shop:1"));
  await env.waitFor("Deployment pods", async () => ((await env.kube.get(deploymentRef("shop")))?.status as { availableReplicas?: number } | undefined)?.availableReplicas === 3 || undefined);
  await env.kube.create(rollout("shop", "progressively"));
  const healthy = await env.waitForPhase("shop", "Healthy", 20_000);
  const [first] = await rolloutReplicaSets("shop");
  assert.equal(imageOf(first as KubeObject), "acme/shop:1", "the Rollout runs the Deployment's template");
  assert.equal(healthy.stableRS, first?.metadata.labels?.["rollouts-pod-template-hash"]);
  await env.waitFor("Deployment at 0", async () => ((await replicasOf("shop")) === 0 ? true : undefined));
  const events = (await env.kube.list("v1", "Event", "default")).filter((e) => (e as { reason?: string }).reason === "WorkloadScaledDown");
  assert.ok(events.length >= 1, "each scale-down is an Event");
  assert.match(String((events.at(-1) as { message?: string }).message), /^Deployment shop scaled from \d to \d: the Rollout has \d of 3 pods available \(workloadRef.scaleDown: progressively\)$/);

  // A new image in the Deployment (as a CI pipeline that only knows Deployments writes it) is a new revision.
  await env.kube.mergePatch(deploymentRef("shop"), { spec: { template: { spec: { containers: [{ name: "app", image: "acme/shop:2" }] } } } });
  const seenCanary = await env.waitFor("canary step", async () => {
    const s = statusOf(await env.rollout("shop"));
    return s.phase !== "Healthy" && s.currentPodHash !== healthy.stableRS ? s : undefined;
  });
  assert.notEqual(seenCanary.currentPodHash, healthy.stableRS);
  const done = await env.waitForPhase("shop", "Healthy", 20_000, (s) => s.stableRS === seenCanary.currentPodHash);
  const current = (await rolloutReplicaSets("shop")).find((rs) => rs.metadata.labels?.["rollouts-pod-template-hash"] === done.stableRS);
  assert.equal(imageOf(current as KubeObject), "acme/shop:2");
  assert.equal(await replicasOf("shop"), 0, "the Deployment is never scaled back up");
});

test("onsuccess scales the Deployment to 0 only once the Rollout is Healthy; never leaves it alone", { timeout: 60_000 }, async () => {
  await env.kube.create(deployment("cart", "acme/cart:1"));
  await env.kube.create(deployment("auth", "acme/auth:1"));
  await env.kube.create(rollout("cart", "onsuccess"));
  await env.kube.create(rollout("auth", "never"));
  // Until Healthy the Deployment keeps all its replicas.
  const seen: number[] = [];
  const healthy = await env.waitFor("cart Healthy", async () => {
    seen.push(await replicasOf("cart"));
    const s = statusOf(await env.rollout("cart"));
    return s.phase === "Healthy" ? s : undefined;
  }, 20_000);
  assert.ok(healthy);
  assert.ok(seen.every((r) => r === 3 || r === 0), `the Deployment goes from 3 to 0 in one step: ${seen.join(",")}`);
  await env.waitFor("cart Deployment at 0", async () => ((await replicasOf("cart")) === 0 ? true : undefined));
  await env.waitForPhase("auth", "Healthy", 20_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await replicasOf("auth"), 3, "scaleDown: never leaves the Deployment's replicas");
});

test("a Rollout whose Deployment does not exist is an invalid spec naming it, and goes on once it is created", { timeout: 60_000 }, async () => {
  await env.kube.create(rollout("late", "onsuccess"));
  const invalid = await env.waitFor("InvalidSpec", async () => {
    const s = statusOf(await env.rollout("late"));
    return s.conditions?.some((c) => c.type === "InvalidSpec" && c.status === "True") ? s : undefined;
  });
  assert.equal(invalid.message, 'invalid spec: spec.workloadRef.name: Deployment "late" not found in namespace default; create it or fix the name');
  assert.equal((await rolloutReplicaSets("late")).length, 0, "nothing was created");
  await env.kube.create(deployment("late", "acme/late:1"));
  await env.waitForPhase("late", "Healthy", 20_000);
  await assertRequestsAllowedByRbac(controller.metrics);
});
