/**
 * The shipped examples, end to end through the pure builders: each example's Rollout steps folded into
 * DesiredRoutings, every step built on the example's own provider objects, read back, and reset.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { rolloutSchema, type Rollout } from "../../src/api/rollout.ts";
import type { CanaryStep } from "../../src/api/steps.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../src/core/routing.ts";
import { buildHTTPRoute } from "../../src/routers/gateway-api/build.ts";
import { readHTTPRouteWeights } from "../../src/routers/gateway-api/read.ts";
import { buildVirtualService } from "../../src/routers/istio/build.ts";
import { buildDestinationRule } from "../../src/routers/istio/destination-rule.ts";
import { readVirtualServiceWeights } from "../../src/routers/istio/read.ts";
import { buildCanaryIngress } from "../../src/routers/nginx/canary-ingress.ts";
import { readCanaryIngressWeights } from "../../src/routers/nginx/read.ts";
import { buildTrafficSplit } from "../../src/routers/smi/build.ts";
import { readTrafficSplitWeights } from "../../src/routers/smi/read.ts";
import type { RoutedWeights, RouterProblem } from "../../src/routers/types.ts";
import { ok } from "./helpers.ts";

type Documents = { rollout: Rollout; objects: Record<string, unknown> };

function example(file: string): Documents {
  const docs = parseAllDocuments(readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8")).map((doc) => doc.toJSON() as { kind: string });
  const objects: Record<string, unknown> = {};
  let rollout: Rollout | undefined;
  for (const doc of docs) {
    if (doc.kind === "Rollout") rollout = rolloutSchema.parse(doc);
    else objects[doc.kind] = doc;
  }
  assert.ok(rollout, `${file} has no Rollout`);
  return { rollout, objects };
}

/** The routing after each step, as the core will compute it (a small fold, enough for the examples). */
function routingsOf(steps: CanaryStep[]): DesiredRouting[] {
  let want: DesiredRouting = ALL_TO_STABLE;
  const result: DesiredRouting[] = [];
  for (const step of steps) {
    if (step.setWeight !== undefined) want = { ...want, canaryWeight: step.setWeight };
    const header = step.setHeaderRoute;
    if (header) {
      const others = want.headerRoutes.filter((route) => route.name !== header.name);
      want = { ...want, headerRoutes: header.match ? [...others, { name: header.name, match: header.match }] : others };
    }
    const mirror = step.setMirrorRoute;
    if (mirror) {
      const others = want.mirrorRoutes.filter((route) => route.name !== mirror.name);
      want = { ...want, mirrorRoutes: mirror.match ? [...others, { name: mirror.name, percentage: mirror.percentage, match: mirror.match }] : others };
    }
    result.push(want);
  }
  return result;
}

function walk(
  documents: Documents,
  original: unknown,
  build: (current: unknown, want: DesiredRouting) => unknown,
  read: (current: unknown) => RoutedWeights | RouterProblem,
): unknown {
  const steps = documents.rollout.spec.strategy.canary?.steps ?? [];
  const wants = steps.length > 0 ? routingsOf(steps) : [10, 20, 30, 40, 50].map((canaryWeight) => ({ ...ALL_TO_STABLE, canaryWeight }));
  assert.ok(wants.length > 0);
  let current = original;
  for (const want of wants) {
    current = build(current, want);
    assert.deepEqual(read(current), { canary: want.canaryWeight, stable: 100 - want.canaryWeight });
  }
  return build(current, ALL_TO_STABLE);
}

describe("examples through the builders", () => {
  it("canary-gateway-api.yaml", () => {
    const documents = example("canary-gateway-api.yaml");
    const { rollout } = documents;
    const reset = walk(documents, documents.objects["HTTPRoute"], (current, want) => ok(buildHTTPRoute(current, rollout, want)), (current) => readHTTPRouteWeights(current, rollout));
    assert.deepEqual(reset, documents.objects["HTTPRoute"]);
  });

  it("canary-istio.yaml (mirror, then weights by subset)", () => {
    const documents = example("canary-istio.yaml");
    const { rollout } = documents;
    const reset = walk(
      documents,
      documents.objects["VirtualService"],
      (current, want) => ok(buildVirtualService(current, rollout, want)),
      (current) => readVirtualServiceWeights(current, rollout),
    );
    assert.deepEqual(reset, documents.objects["VirtualService"]);
    const pinned = ok(buildDestinationRule(documents.objects["DestinationRule"], rollout, { stablePodHash: "s1", canaryPodHash: "c2" }));
    assert.deepEqual(pinned.spec.subsets?.map((subset) => subset.labels), [
      { app: "checkout", "rollouts-pod-template-hash": "s1" },
      { app: "checkout", "rollouts-pod-template-hash": "c2" },
    ]);
  });

  it("canary-nginx.yaml (header route qa, then weights)", () => {
    const documents = example("canary-nginx.yaml");
    const { rollout } = documents;
    const stable = documents.objects["Ingress"];
    const reset = walk(
      documents,
      undefined,
      (current, want) => ok(buildCanaryIngress(current, stable, rollout, want)),
      (current) => readCanaryIngressWeights(current, rollout),
    ) as { metadata: { annotations: Record<string, string> } };
    assert.deepEqual(reset.metadata.annotations, { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "0" });
  });

  it("canary-flagger-style.yaml (a user-written TrafficSplit, adopted)", () => {
    const documents = example("canary-flagger-style.yaml");
    const { rollout } = documents;
    const original = documents.objects["TrafficSplit"];
    const reset = walk(documents, original, (current, want) => ok(buildTrafficSplit(current, rollout, want)), (current) => readTrafficSplitWeights(current, rollout));
    assert.deepEqual(reset, original);
  });
});
