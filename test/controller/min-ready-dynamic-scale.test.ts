/**
 * Two Argo Rollouts fields end to end, the controller against the sandbox API server with a Gateway API
 * HTTPRoute: spec.minReadySeconds holds the canary's traffic until its pods have been Ready that long, and
 * dynamicStableScale shrinks stable as the weight rises and, on abort, has stable back at full size and
 * available before the weight returns.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { rolloutManifest, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { gatewayCanary, gatewayCanaryObjects } from "../helpers/gateway-fixtures.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

let env: Env;

before(async () => {
  env = await startEnv({ preload: [join(REPO_ROOT, "src", "sandbox", "crds", "gateway-api-httproutes.yaml")] });
  await env.startController({ routerFor });
});
after(async () => env?.stop());

/** A Gateway API canary Rollout with `minReadySeconds` and the strategy's `extra` fields. */
function routedRollout(app: string, extra: Record<string, unknown>, replicas: number, minReadySeconds: number): KubeObject {
  const manifest = rolloutManifest(app, gatewayCanary(app, extra), `acme/${app}:1`, replicas);
  return { ...manifest, spec: { ...(manifest.spec as object), minReadySeconds } };
}

async function canaryWeight(app: string): Promise<number> {
  const route = await env.kube.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: app });
  const refs = (route?.spec as { rules: { backendRefs: { name: string; weight?: number }[] }[] }).rules[0]?.backendRefs ?? [];
  return refs.find((b) => b.name === `${app}-canary`)?.weight ?? -1;
}

type SetCounts = { replicas: number; ready: number; available: number; minReadySeconds: number | undefined };

async function replicaSet(app: string, hash: string | undefined): Promise<SetCounts | undefined> {
  if (!hash) return undefined;
  const rs = await env.kube.get({ apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "default", name: `${app}-${hash}` });
  if (!rs) return undefined;
  const spec = rs.spec as { replicas: number; minReadySeconds?: number };
  const status = (rs.status ?? {}) as { readyReplicas?: number; availableReplicas?: number };
  return { replicas: spec.replicas, ready: status.readyReplicas ?? 0, available: status.availableReplicas ?? 0, minReadySeconds: spec.minReadySeconds };
}

test("minReadySeconds: the first weight waits until the canary's pods have been Ready that long", { timeout: 60_000 }, async () => {
  for (const obj of gatewayCanaryObjects("ready")) await env.kube.create(obj);
  await env.kube.create(routedRollout("ready", { steps: [{ setWeight: 50 }, { pause: {} }] }, 2, 2));
  const v1 = await env.waitForPhase("ready", "Healthy");
  assert.equal((await replicaSet("ready", v1.stableRS))?.minReadySeconds, 2, "written onto the ReplicaSet sluice created");

  await env.setImage("ready", "acme/ready:2");
  const canaryHash = await env.waitFor("the canary revision", async () => statusOf(await env.rollout("ready")).currentPodHash !== v1.stableRS ? statusOf(await env.rollout("ready")).currentPodHash : undefined);
  const readyAt = await env.waitFor("canary pods Ready", async () => ((await replicaSet("ready", canaryHash))?.ready === 1 ? Date.now() : undefined));
  // Ready is not available: no traffic yet, and the rollout says what it waits for.
  const held = await replicaSet("ready", canaryHash);
  assert.equal(held?.available, 0);
  assert.equal(held?.minReadySeconds, 2);
  assert.equal(await canaryWeight("ready"), 0);
  const routedAt = await env.waitFor("50% to the canary", async () => ((await canaryWeight("ready")) === 50 ? Date.now() : undefined), 15_000);
  assert.ok(routedAt - readyAt >= 1_800, `routed ${routedAt - readyAt} ms after the pods were Ready (minReadySeconds: 2)`);
  const paused = await env.waitForPhase("ready", "Paused");
  assert.deepEqual(paused.canary?.weights, { canary: 50, stable: 50 });
});

test("dynamicStableScale: stable shrinks as the weight rises; on abort it is back at full size and available before the weight returns", { timeout: 60_000 }, async () => {
  for (const obj of gatewayCanaryObjects("dyn")) await env.kube.create(obj);
  // minReadySeconds: 1 makes stable's new pods take a second to be available after the abort: the window to get wrong.
  const steps = [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }];
  await env.kube.create(routedRollout("dyn", { dynamicStableScale: true, abortScaleDownDelaySeconds: 0, steps }, 4, 1));
  const v1 = await env.waitForPhase("dyn", "Healthy");
  const stable = () => replicaSet("dyn", v1.stableRS);
  assert.equal((await stable())?.replicas, 4);

  await env.setImage("dyn", "acme/dyn:2");
  const at25 = await env.waitForPhase("dyn", "Paused", 15_000, (s) => s.currentStepIndex === 1);
  assert.equal(await canaryWeight("dyn"), 25);
  await env.waitFor("stable at 3 (ceil(4 x 75%))", async () => ((await stable())?.replicas === 3 ? true : undefined));
  assert.equal((await replicaSet("dyn", at25.currentPodHash))?.replicas, 1, "4 pods in all, not 5");

  await env.promote("dyn");
  await env.waitForPhase("dyn", "Paused", 15_000, (s) => s.currentStepIndex === 3);
  assert.equal(await canaryWeight("dyn"), 75);
  await env.waitFor("stable at 1 (ceil(4 x 25%))", async () => ((await stable())?.replicas === 1 ? true : undefined));
  assert.equal((await replicaSet("dyn", at25.currentPodHash))?.replicas, 3);

  // Abort, sampling stable and the weight until traffic is back: stable's share never above its available pods'.
  const samples: { weight: number; stable: SetCounts | undefined }[] = [];
  await env.patchRolloutStatus("dyn", (s) => ({ ...s, abort: true }));
  await env.waitFor("all traffic back on stable", async () => {
    const sample = { weight: await canaryWeight("dyn"), stable: await stable() };
    samples.push(sample);
    return sample.weight === 0 ? true : undefined;
  });
  for (const { weight, stable: s } of samples) {
    assert.ok(100 - weight <= (100 * (s?.available ?? 0)) / 4, `stable got ${100 - weight}% with ${s?.available}/4 pods available`);
  }
  assert.ok(samples.some((s) => s.weight === 75 && (s.stable?.replicas ?? 0) === 4 && (s.stable?.available ?? 0) < 4), "the weight held while stable's new pods became available");
  const last = samples[samples.length - 1]?.stable;
  assert.deepEqual([last?.replicas, last?.available], [4, 4]);
  await env.waitFor("canary scaled down once traffic left it", async () => ((await replicaSet("dyn", at25.currentPodHash))?.replicas === 0 ? true : undefined));
  assert.equal(statusOf(await env.rollout("dyn")).phase, "Aborted");
});
