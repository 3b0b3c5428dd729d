/** Ephemeral pod metadata, decided purely: roles follow the status, a change is asked for once, none without it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rolloutSchema } from "../../src/api/rollout.ts";
import { decide } from "../../src/core/decide.ts";
import type { Action } from "../../src/core/plan.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { templateOf } from "../../src/core/rollout-template.ts";
import { podMetadataPatch, patchFor } from "../../src/controller/build/pod-metadata.ts";
import { buildReplicaSet } from "../../src/controller/build/replica-set.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const canaryMetadata = { labels: { role: "canary" }, annotations: { "example.com/tier": "canary" } };
const stableMetadata = { labels: { role: "stable" } };

const metadataRollout = () =>
  makeRollout(rolloutInput({ canary: { stableService: "web-stable", canaryService: "web-canary", steps: [{ setWeight: 25 }, { pause: {} }], canaryMetadata, stableMetadata } }));

const podMetadataActions = (log: Action[]) => log.filter((a): a is Extract<Action, { kind: "SetPodMetadata" }> => a.kind === "SetPodMetadata");

test("ephemeral metadata: the first revision starts stable, the canary starts as canary, promotion swaps both roles once", () => {
  const cluster = new SimulatedCluster("web", ["web-stable", "web-canary"], false);
  const v1 = reconcileUntilSettled(metadataRollout(), cluster).rollout;
  const v1Hash = podTemplateHash(templateOf(v1));
  const created = cluster.log.find((a) => a.kind === "CreateReplicaSet");
  assert.deepEqual(created?.kind === "CreateReplicaSet" ? created.podMetadata : undefined, stableMetadata);
  assert.deepEqual(podMetadataActions(cluster.log), [], "created with its role: nothing to change");

  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  const paused = reconcileUntilSettled(v2, cluster).rollout;
  assert.equal(paused.status?.phase, "Paused");
  assert.deepEqual(cluster.replicaSets.get(v2Hash)?.podMetadata, canaryMetadata);
  assert.deepEqual(cluster.replicaSets.get(v1Hash)?.podMetadata, stableMetadata);
  assert.deepEqual(podMetadataActions(cluster.log), []);

  const done = reconcileUntilSettled(promote(paused), cluster).rollout;
  assert.equal(done.status?.phase, "Healthy");
  assert.equal(done.status?.stableRS, v2Hash, "the revision (pod-template hash) is the same: metadata is not part of it");
  const changes = podMetadataActions(cluster.log);
  assert.deepEqual(Object.fromEntries(changes.map((c) => [c.podHash, [c.previous, c.metadata]])), {
    [v2Hash]: [canaryMetadata, stableMetadata],
    [v1Hash]: [stableMetadata, {}],
  });
});

test("ephemeral metadata: nothing is asked for without it, and an unchanged role asks nothing twice", () => {
  const cluster = new SimulatedCluster("web", ["web-stable", "web-canary"], false);
  const plain = makeRollout(rolloutInput({ canary: { stableService: "web-stable", canaryService: "web-canary", steps: [{ setWeight: 25 }, { pause: {} }] } }));
  const v1 = reconcileUntilSettled(plain, cluster).rollout;
  const done = reconcileUntilSettled(promote(reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster).rollout), cluster).rollout;
  assert.ok(cluster.log.every((a) => a.kind !== "SetPodMetadata" && !(a.kind === "CreateReplicaSet" && a.podMetadata)));
  // With metadata set and already in place, a further pass asks for nothing.
  const withMetadata = metadataRollout();
  const metaCluster = new SimulatedCluster("web", ["web-stable", "web-canary"], false);
  const healthy = reconcileUntilSettled(withMetadata, metaCluster).rollout;
  assert.equal(done.status?.phase, "Healthy");
  assert.equal(podMetadataActions(decide(healthy, metaCluster.observed(), new Date(metaCluster.now)).actions).length, 0);
});

test("blue-green: preview metadata on the new version until promotion, then active metadata in its place", () => {
  const cluster = new SimulatedCluster("web", ["web-active", "web-preview"], false);
  const previewMetadata = { labels: { role: "preview" } };
  const activeMetadata = { labels: { role: "active" } };
  const start = makeRollout(rolloutInput({ blueGreen: { activeService: "web-active", previewService: "web-preview", autoPromotionEnabled: false, previewMetadata, activeMetadata } }));
  const v1 = reconcileUntilSettled(start, cluster).rollout;
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  const paused = reconcileUntilSettled(v2, cluster).rollout;
  assert.equal(paused.status?.phase, "Paused");
  assert.deepEqual(cluster.replicaSets.get(v2Hash)?.podMetadata, previewMetadata);
  reconcileUntilSettled(promote(paused), cluster);
  assert.deepEqual(cluster.replicaSets.get(v2Hash)?.podMetadata, activeMetadata);
});

test("the role patch: a dropped key returns to the template's value or goes; pods already matching are not written", () => {
  const patch = podMetadataPatch({ labels: { role: "canary", track: "x" } }, { labels: { role: "stable" } }, { labels: { app: "web", track: "main" } });
  assert.deepEqual(patch, { labels: { track: "main", role: "stable" } });
  assert.deepEqual(podMetadataPatch({ annotations: { a: "1" } }, {}, undefined), { annotations: { a: null } });
  assert.equal(patchFor({ labels: { role: "stable", track: "main" } }, patch), undefined);
  assert.deepEqual(patchFor({ labels: { role: "canary" } }, patch), { labels: { track: "main", role: "stable" } });
});

test("a new ReplicaSet's pods carry its role's metadata; the hash label and the ReplicaSet's own labels stay the template's", () => {
  const rollout = metadataRollout();
  const hash = podTemplateHash(templateOf(rollout));
  const rs = buildReplicaSet(rollout, hash, 1, 1, canaryMetadata) as unknown as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } } } };
  assert.deepEqual(rs.spec.template.metadata.labels, { app: "web", role: "canary", "rollouts-pod-template-hash": hash });
  assert.deepEqual(rs.spec.template.metadata.annotations, { "example.com/tier": "canary" });
  assert.equal(rs.metadata.labels.role, undefined);
  assert.ok(rs.metadata.annotations["sluice.dev/ephemeral-metadata"]);
});

test("ephemeral labels may not change the hash label or a selector label (named field, actionable message)", () => {
  const input = rolloutInput({ canary: { canaryMetadata: { labels: { app: "other", "rollouts-pod-template-hash": "x" } } } });
  const parsed = rolloutSchema.safeParse(input);
  assert.equal(parsed.success, false);
  const paths = parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
  assert.ok(paths.some((p) => p.startsWith("spec.strategy.canary.canaryMetadata.labels.app: is a label of spec.selector")), paths.join("\n"));
  assert.ok(paths.some((p) => p.startsWith("spec.strategy.canary.canaryMetadata.labels.rollouts-pod-template-hash: is set by sluice")), paths.join("\n"));
});
