import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALL_TO_STABLE } from "../../src/core/routing.ts";
import { buildTrafficSplit } from "../../src/routers/smi/build.ts";
import { readTrafficSplitWeights } from "../../src/routers/smi/read.ts";
import type { TrafficSplit } from "../../src/routers/smi/schema.ts";
import { fixture, ok, problem, rolloutWith, routing } from "./helpers.ts";

const rollout = rolloutWith({ smi: {} });
const named = rolloutWith({ smi: { trafficSplitName: "checkout-split", rootService: "checkout" } });

describe("SMI TrafficSplit builder", () => {
  it("creates a v1alpha2 split owned by the Rollout, rooted at the stable Service", () => {
    assert.deepEqual(ok(buildTrafficSplit(undefined, rollout, routing(30))), {
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: {
        name: "checkout",
        namespace: "shop",
        ownerReferences: [
          { apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", name: "checkout", uid: "7d1c5a52-6f0e-4c3b-9a51-0c1f3e2b8a11", controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        service: "checkout-stable",
        backends: [
          { service: "checkout-stable", weight: 70 },
          { service: "checkout-canary", weight: 30 },
        ],
      },
    });
  });

  it("honours trafficSplitName, rootService and the requested API version", () => {
    const created = ok(buildTrafficSplit(undefined, named, routing(5), "v1alpha4"));
    assert.equal(created.apiVersion, "split.smi-spec.io/v1alpha4");
    assert.equal(created.metadata.name, "checkout-split");
    assert.equal(created.spec.service, "checkout");
  });

  it("writes v1alpha1 weights as whole-number quantities and reads its milli-quantities", () => {
    const created = ok(buildTrafficSplit(undefined, rollout, routing(25), "v1alpha1"));
    assert.deepEqual(created.spec.backends, [
      { service: "checkout-stable", weight: "75" },
      { service: "checkout-canary", weight: "25" },
    ]);
    created.spec.backends = [
      { service: "checkout-stable", weight: "900m" },
      { service: "checkout-canary", weight: "100m" },
    ];
    assert.deepEqual(readTrafficSplitWeights(created, rollout), { canary: 10, stable: 90 });
  });

  it("adopts a user-written split, changing only our backends' weights", () => {
    const original = fixture("trafficsplit-v1alpha3.yaml");
    const before = structuredClone(original);
    const built = ok(buildTrafficSplit(original, rollout, routing(40)));
    assert.deepEqual(original, before);
    const expected = structuredClone(before) as TrafficSplit;
    expected.spec.backends = [
      { service: "checkout-stable", weight: 60 },
      { service: "checkout-canary", weight: 40 },
      { service: "checkout-shadow", weight: 0 },
    ];
    assert.deepEqual(built, expected);
    assert.deepEqual(ok(buildTrafficSplit(built, rollout, ALL_TO_STABLE)), before, "reset restores the original");
  });

  it("adds a missing canary backend and refuses a split controlled by another controller", () => {
    const split = fixture("trafficsplit-v1alpha3.yaml") as TrafficSplit;
    split.spec.backends = [{ service: "checkout-stable", weight: 1 }];
    assert.deepEqual(ok(buildTrafficSplit(split, rollout, routing(10))).spec.backends, [
      { service: "checkout-stable", weight: 90 },
      { service: "checkout-canary", weight: 10 },
    ]);
    split.metadata.ownerReferences = [{ apiVersion: "flagger.app/v1beta1", kind: "Canary", name: "checkout", uid: "f-1", controller: true }];
    const found = problem(buildTrafficSplit(split, rollout, routing(10)));
    assert.equal(found.code, "Conflict");
    assert.equal(found.message, "TrafficSplit shop/checkout is controlled by Canary checkout; give this Rollout its own trafficSplitName");
  });

  it("refuses header and mirror routes, which a TrafficSplit cannot express", () => {
    const header = { name: "qa", match: [{ headerName: "X-QA", headerValue: { exact: "1" } }] };
    const found = problem(buildTrafficSplit(undefined, rollout, routing(0, { headerRoutes: [header] })));
    assert.equal(found.code, "Unsupported");
    assert.match(found.message, /TrafficSplit shop\/checkout: SMI TrafficSplit splits by weight only; route "qa"/);
    assert.equal(problem(buildTrafficSplit(undefined, rollout, routing(0, { mirrorRoutes: [{ name: "m", percentage: 1, match: [] }] }))).code, "Unsupported");
  });

  it("reports a malformed split", () => {
    const split = fixture("trafficsplit-v1alpha3.yaml") as TrafficSplit;
    (split.spec as Record<string, unknown>)["backends"] = [{ service: "checkout-stable", weight: -5 }];
    assert.equal(problem(buildTrafficSplit(split, rollout, routing(10))).code, "MalformedObject");
  });
});

describe("SMI TrafficSplit read-back", () => {
  it("reads what a build wrote and reports a split that sends nothing to our Services", () => {
    for (const weight of [0, 45, 100]) {
      assert.deepEqual(readTrafficSplitWeights(buildTrafficSplit(fixture("trafficsplit-v1alpha3.yaml"), rollout, routing(weight)), rollout), {
        canary: weight,
        stable: 100 - weight,
      });
    }
    const split = fixture("trafficsplit-v1alpha3.yaml") as TrafficSplit;
    split.spec.backends = [{ service: "checkout-shadow", weight: 100 }];
    assert.equal(problem(readTrafficSplitWeights(split, rollout)).code, "NoStableBackend");
    assert.equal(problem(readTrafficSplitWeights(undefined, rollout)).code, "ObjectNotFound");
  });
});
