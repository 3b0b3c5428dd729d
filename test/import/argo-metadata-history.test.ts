/** Argo's ephemeral metadata and spec.analysis run history limits carry over to sluice as they are, with no note. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rolloutSchema } from "../../src/api/rollout.ts";
import { translateArgoRollout } from "../../src/cli/import/argo.ts";
import { Notes } from "../../src/cli/import/notes.ts";

const base = (strategy: Record<string, unknown>) => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "shop" },
  spec: {
    replicas: 2,
    analysis: { successfulRunHistoryLimit: 3, unsuccessfulRunHistoryLimit: 7 },
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "acme/web:1" }] } },
    strategy,
  },
});

test("canaryMetadata/stableMetadata and spec.analysis translate as they are, and the result is a valid sluice Rollout", () => {
  const notes = new Notes();
  const canary = { canaryMetadata: { labels: { role: "canary" }, annotations: { a: "1" } }, stableMetadata: { labels: { role: "stable" } }, steps: [{ setWeight: 20 }] };
  const out = translateArgoRollout(base({ canary }), notes);
  assert.deepEqual(notes.list, []);
  const spec = out.spec as { analysis: unknown; strategy: { canary: Record<string, unknown> } };
  assert.deepEqual(spec.analysis, { successfulRunHistoryLimit: 3, unsuccessfulRunHistoryLimit: 7 });
  assert.deepEqual(spec.strategy.canary.canaryMetadata, canary.canaryMetadata);
  assert.deepEqual(spec.strategy.canary.stableMetadata, canary.stableMetadata);
  assert.equal(rolloutSchema.safeParse(out).success, true);
});

test("previewMetadata/activeMetadata translate; an unknown field inside them is reported, not passed", () => {
  const notes = new Notes();
  const blueGreen = { activeService: "web-active", previewMetadata: { labels: { role: "preview" }, finalizers: ["x"] }, activeMetadata: { labels: { role: "active" } } };
  const out = translateArgoRollout(base({ blueGreen }), notes);
  const bg = (out.spec as { strategy: { blueGreen: Record<string, unknown> } }).strategy.blueGreen;
  assert.deepEqual(bg.previewMetadata, { labels: { role: "preview" } });
  assert.deepEqual(bg.activeMetadata, { labels: { role: "active" } });
  assert.deepEqual(notes.list.map((n) => `${n.severity} ${n.path}`), ["dropped spec.strategy.blueGreen.previewMetadata.finalizers"]);
});
