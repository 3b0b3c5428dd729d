/**
 * Ephemeral metadata end to end, against the sandbox API server (with Pod objects) and the controller: the
 * canary's pods carry canaryMetadata while it is the canary and stableMetadata after promotion, and they are
 * the same pods (same UIDs), so nothing restarted; blue-green does the same with preview/activeMetadata.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { POD_TEMPLATE_HASH_LABEL } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { canaryRollout, rolloutManifest, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { assertRequestsAllowedByRbac } from "../helpers/rbac.ts";
import type { RunningController } from "../../src/controller/controller.ts";

let env: Env;
let controller: RunningController;
before(async () => {
  env = await startEnv({ simulatePods: true });
  controller = await env.startController();
});
after(async () => env?.stop());

type Pod = { uid: string; labels: Record<string, string>; annotations: Record<string, string> };

async function podsOf(hash: string | undefined): Promise<Pod[]> {
  const pods = await env.kube.list("v1", "Pod", "default", `${POD_TEMPLATE_HASH_LABEL}=${hash ?? ""}`);
  return pods.map((p) => ({ uid: p.metadata.uid ?? "", labels: p.metadata.labels ?? {}, annotations: p.metadata.annotations ?? {} })).sort((a, b) => a.uid.localeCompare(b.uid));
}

/** Wait until `count` pods of `hash` all carry `labels` (and `annotations`); returns them. */
const podsCarrying = (hash: string | undefined, count: number, labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  env.waitFor(`${count} pods of ${hash} with ${JSON.stringify(labels)}`, async () => {
    const pods = await podsOf(hash);
    const carry = (have: Record<string, string>, want: Record<string, string>) => Object.entries(want).every(([k, v]) => have[k] === v);
    return pods.length === count && pods.every((p) => carry(p.labels, labels) && carry(p.annotations, annotations)) ? pods : undefined;
  });

const withMetadata = (manifest: KubeObject, strategy: "canary" | "blueGreen", metadata: Record<string, unknown>): KubeObject => {
  const spec = manifest.spec as { strategy: Record<string, Record<string, unknown>> };
  return { ...manifest, spec: { ...spec, strategy: { [strategy]: { ...spec.strategy[strategy], ...metadata } } } };
};

test("canary: canaryMetadata on the canary's pods, stableMetadata on the same pods (same UIDs) after promotion", { timeout: 60_000 }, async () => {
  const manifest = withMetadata(canaryRollout("tagged", [{ setWeight: 50 }, { pause: {} }]), "canary", {
    canaryMetadata: { labels: { role: "canary" }, annotations: { "example.com/track": "canary" } },
    stableMetadata: { labels: { role: "stable" } },
  });
  await env.kube.create(manifest);
  const v1 = await env.waitForPhase("tagged", "Healthy");
  await podsCarrying(v1.stableRS, 2, { role: "stable", app: "tagged" });

  await env.setImage("tagged", "acme/tagged:2");
  const paused = await env.waitForPhase("tagged", "Paused");
  const canaryPods = await podsCarrying(paused.currentPodHash, 1, { role: "canary", app: "tagged" }, { "example.com/track": "canary" });
  await podsCarrying(v1.stableRS, 1, { role: "stable" });

  await env.promote("tagged");
  const done = await env.waitForPhase("tagged", "Healthy", 20_000, (s) => s.stableRS === paused.currentPodHash);
  assert.equal(done.stableRS, paused.currentPodHash, "the revision did not change: metadata is not in the pod-template hash");
  const promoted = await env.waitFor("the canary's own pods relabelled stable", async () => {
    const pods = await podsOf(done.stableRS);
    const first = canaryPods[0];
    const same = first && pods.find((p) => p.uid === first.uid);
    return same && same.labels.role === "stable" && same.annotations["example.com/track"] === undefined ? pods : undefined;
  });
  assert.ok(promoted.some((p) => p.uid === canaryPods[0]?.uid), "the canary's pod was not replaced");
  // Scaled up to full size after promotion: the new pods come from the template, already with stableMetadata.
  await podsCarrying(done.stableRS, 2, { role: "stable" });
  const rs = await env.kube.get({ apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "default", name: `tagged-${done.stableRS ?? ""}` });
  const template = (rs?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  assert.equal(template.role, "stable");
  assert.equal(template[POD_TEMPLATE_HASH_LABEL], done.stableRS);
});

test("blue-green: previewMetadata on the new version's pods until promotion, then activeMetadata on the same pods", { timeout: 60_000 }, async () => {
  for (const name of ["bg-active", "bg-preview"]) {
    await env.kube.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "bg" }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
  const manifest = withMetadata(rolloutManifest("bg", { blueGreen: { activeService: "bg-active", previewService: "bg-preview", autoPromotionEnabled: false, scaleDownDelaySeconds: 0 } }), "blueGreen", {
    previewMetadata: { labels: { role: "preview" } },
    activeMetadata: { labels: { role: "active" } },
  });
  await env.kube.create(manifest);
  const v1 = await env.waitForPhase("bg", "Healthy");
  await podsCarrying(v1.stableRS, 2, { role: "active" });
  await env.setImage("bg", "acme/bg:2");
  const paused = await env.waitForPhase("bg", "Paused");
  const preview = await podsCarrying(paused.currentPodHash, 2, { role: "preview" });
  await env.promote("bg");
  const done = await env.waitForPhase("bg", "Healthy", 20_000, (s) => s.stableRS === paused.currentPodHash);
  const active = await podsCarrying(done.stableRS, 2, { role: "active" });
  assert.deepEqual(active.map((p) => p.uid), preview.map((p) => p.uid), "promotion relabelled the preview pods, it did not replace them");
  assert.equal(statusOf(await env.rollout("bg")).stableRS, paused.currentPodHash);
});

test("every request the controller made, pods included, is allowed by its ClusterRole", () => {
  assertRequestsAllowedByRbac(controller.metrics);
});
