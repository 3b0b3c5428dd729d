import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALL_TO_STABLE } from "../../src/core/routing.ts";
import { buildCanaryIngress, createCanaryIngress } from "../../src/routers/nginx/canary-ingress.ts";
import { canaryIngressConflict } from "../../src/routers/nginx/conflicts.ts";
import { readCanaryIngressWeights } from "../../src/routers/nginx/read.ts";
import type { Ingress } from "../../src/routers/nginx/schema.ts";
import { fixture, ok, problem, rolloutWith, routing } from "./helpers.ts";

const rollout = rolloutWith({ nginx: { stableIngress: "checkout", annotationPrefix: "nginx.ingress.kubernetes.io" } });
const stable = () => fixture("ingress-stable.yaml");
const P = "nginx.ingress.kubernetes.io";
const qa = (value: { exact?: string; regex?: string; prefix?: string }) => ({ name: "qa", match: [{ headerName: "X-QA", headerValue: value }] });

describe("nginx canary Ingress: creation", () => {
  it("clones the stable Ingress's hosts, paths, class, TLS and annotations (not who manages it), pointing the stable paths at the canary Service", () => {
    const original = stable();
    const before = structuredClone(original);
    const canary = ok(createCanaryIngress(original, rollout, routing(20)));
    assert.deepEqual(original, before, "the stable Ingress is never changed");
    assert.equal(canary.metadata.name, "checkout-checkout-canary");
    assert.equal(canary.metadata.namespace, "shop");
    assert.equal(canary.metadata.resourceVersion, undefined, "a new object carries none of the stable one's identity");
    assert.deepEqual(canary.metadata.ownerReferences, [
      { apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", name: "checkout", uid: "7d1c5a52-6f0e-4c3b-9a51-0c1f3e2b8a11", controller: true, blockOwnerDeletion: true },
    ]);
    assert.deepEqual(canary.metadata.labels, { app: "checkout", team: "payments" });
    assert.deepEqual(canary.spec, {
      ingressClassName: "nginx",
      tls: [{ hosts: ["shop.example.com", "api.shop.example.com"], secretName: "shop-tls" }],
      rules: [
        { host: "shop.example.com", http: { paths: [{ path: "/checkout", pathType: "Prefix", backend: { service: { name: "checkout-canary", port: { number: 80 } } } }] } },
        { host: "api.shop.example.com", http: { paths: [{ path: "/v1/checkout", pathType: "ImplementationSpecific", backend: { service: { name: "checkout-canary", port: { name: "http" } } } }] } },
      ],
    });
    assert.deepEqual(canary.metadata.annotations, {
      [`${P}/proxy-body-size`]: "8m",
      [`${P}/ssl-redirect`]: "true",
      "cert-manager.io/cluster-issuer": "letsencrypt",
      [`${P}/canary`]: "true",
      [`${P}/canary-weight`]: "20",
    });
  });

  it("routes one header exactly, by pattern, or by prefix (as an anchored pattern)", () => {
    const annotationsFor = (value: Parameters<typeof qa>[0]) => ok(createCanaryIngress(stable(), rollout, routing(0, { headerRoutes: [qa(value)] }))).metadata.annotations ?? {};
    const exact = annotationsFor({ exact: "1" });
    assert.equal(exact[`${P}/canary-by-header`], "X-QA");
    assert.equal(exact[`${P}/canary-by-header-value`], "1");
    assert.equal(exact[`${P}/canary-by-header-pattern`], undefined);
    assert.equal(annotationsFor({ regex: "^(qa|dev)$" })[`${P}/canary-by-header-pattern`], "^(qa|dev)$");
    const prefix = annotationsFor({ prefix: "team.a" });
    assert.equal(prefix[`${P}/canary-by-header-pattern`], "^team\\.a.*");
    assert.equal(prefix[`${P}/canary-by-header-value`], undefined);
  });

  it("refuses what ingress-nginx cannot express: two headers, two header routes, mirroring", () => {
    const twoMatches = { name: "qa", match: [qa({ exact: "1" }).match[0]!, { headerName: "X-Team", headerValue: { exact: "a" } }] };
    const found = problem(createCanaryIngress(stable(), rollout, routing(0, { headerRoutes: [twoMatches] })));
    assert.equal(found.code, "Unsupported");
    assert.match(found.message, /^Ingress shop\/checkout-checkout-canary: ingress-nginx routes a canary by one header only, but header route "qa" matches 2/);
    assert.equal(problem(createCanaryIngress(stable(), rollout, routing(0, { headerRoutes: [qa({ exact: "1" }), { ...qa({ exact: "2" }), name: "qa2" }] }))).code, "Unsupported");
    assert.equal(problem(createCanaryIngress(stable(), rollout, routing(0, { mirrorRoutes: [{ name: "m", percentage: 10, match: [] }] }))).code, "Unsupported");
  });

  it("adds additionalIngressAnnotations, whose header annotations give way only to a header route", () => {
    const withExtra = rolloutWith({
      nginx: {
        stableIngress: "checkout",
        annotationPrefix: P,
        additionalIngressAnnotations: { [`${P}/canary-by-header`]: "X-Beta", [`${P}/canary-weight`]: "77", "example.com/note": "canary" },
      },
    });
    const plain = ok(createCanaryIngress(stable(), withExtra, routing(5))).metadata.annotations ?? {};
    assert.equal(plain[`${P}/canary-by-header`], "X-Beta");
    assert.equal(plain[`${P}/canary-weight`], "5", "the weight is always ours");
    assert.equal(plain["example.com/note"], "canary");
    const routed = ok(createCanaryIngress(stable(), withExtra, routing(5, { headerRoutes: [qa({ exact: "1" })] }))).metadata.annotations ?? {};
    assert.equal(routed[`${P}/canary-by-header`], "X-QA");
  });

  it("uses a custom annotation prefix and drops canary annotations copied from the stable Ingress", () => {
    const custom = rolloutWith({ nginx: { stableIngress: "checkout", annotationPrefix: "custom.ingress.io" } });
    const source = stable() as Ingress;
    source.metadata.annotations = { "custom.ingress.io/canary-by-cookie": "beta", "custom.ingress.io/canary-weight-total": "1000" };
    assert.deepEqual(ok(createCanaryIngress(source, custom, routing(3))).metadata.annotations, {
      "custom.ingress.io/canary": "true",
      "custom.ingress.io/canary-weight": "3",
    });
  });

  it("reports a stable Ingress that never sends to the stable Service, or that is missing", () => {
    const source = stable() as Ingress;
    source.spec.rules = source.spec.rules?.slice(2);
    const found = problem(createCanaryIngress(source, rollout, routing(10)));
    assert.equal(found.code, "NoStableBackend");
    assert.equal(found.message, "Ingress shop/checkout has no path with backend Service checkout-stable; point the paths to be canaried at it");
    assert.equal(problem(createCanaryIngress(undefined, rollout, routing(10))).code, "ObjectNotFound");
  });
});

describe("nginx canary Ingress: updates", () => {
  it("updates our live canary Ingress, keeping its identity, and is idempotent", () => {
    const created = ok(createCanaryIngress(stable(), rollout, routing(10)));
    const live = { ...created, metadata: { ...created.metadata, resourceVersion: "99", uid: "u-1", finalizers: ["example.com/keep"] } };
    const updated = ok(buildCanaryIngress(live, stable(), rollout, routing(60, { headerRoutes: [qa({ exact: "1" })] })));
    assert.equal(updated.metadata.resourceVersion, "99");
    assert.deepEqual(updated.metadata["finalizers"], ["example.com/keep"]);
    assert.equal(updated.metadata.annotations?.[`${P}/canary-weight`], "60");
    assert.deepEqual(ok(buildCanaryIngress(updated, stable(), rollout, routing(60, { headerRoutes: [qa({ exact: "1" })] }))), updated);
    const reset = ok(buildCanaryIngress(updated, stable(), rollout, ALL_TO_STABLE));
    const expected = structuredClone(live);
    expected.metadata.annotations = { ...expected.metadata.annotations, [`${P}/canary-weight`]: "0" };
    assert.deepEqual(reset, expected, "reset: weight 0 and the header annotations gone, nothing else changed");
  });

  it("follows changes to the stable Ingress's paths", () => {
    const live = ok(createCanaryIngress(stable(), rollout, routing(10)));
    const changed = stable() as Ingress;
    changed.spec.rules = changed.spec.rules?.slice(0, 1);
    assert.equal(ok(buildCanaryIngress(live, changed, rollout, routing(10))).spec.rules?.length, 1);
  });

  it("never takes over an Ingress with our name that this Rollout does not own", () => {
    const foreign = { ...stable(), metadata: { name: "checkout-checkout-canary", namespace: "shop" } };
    const found = problem(buildCanaryIngress(foreign, stable(), rollout, routing(10)));
    assert.equal(found.code, "Conflict");
    assert.match(found.message, /Ingress shop\/checkout-checkout-canary exists but is not owned by Rollout shop\/checkout/);
  });
});

describe("nginx: one canary Ingress per host and path", () => {
  const ours = () => ok(createCanaryIngress(stable(), rollout, routing(0)));
  const otherCanary = (host: string, path: string, className?: string) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "checkout-hotfix", namespace: "shop", annotations: { [`${P}/canary`]: "true" } },
    spec: { ...(className ? { ingressClassName: className } : {}), rules: [{ host, http: { paths: [{ path, pathType: "Prefix", backend: { service: { name: "hotfix", port: { number: 80 } } } }] } }] },
  });

  it("reports another canary Ingress covering one of our host/paths", () => {
    const found = problem(canaryIngressConflict(ours(), [stable(), otherCanary("api.shop.example.com", "/v1/checkout")], rollout));
    assert.equal(found.code, "Conflict");
    assert.match(found.message, /^Ingress shop\/checkout-hotfix is already a canary for api\.shop\.example\.com\/v1\/checkout/);
  });

  it("ignores ourselves, the stable Ingress, other paths, other classes and Ingresses that are not canaries", () => {
    const notCanary = { ...otherCanary("shop.example.com", "/checkout"), metadata: { name: "plain", namespace: "shop" } };
    const others = [ours(), stable(), otherCanary("shop.example.com", "/cart"), otherCanary("shop.example.com", "/checkout", "internal"), notCanary, { kind: "garbage" }];
    assert.equal(canaryIngressConflict(ours(), others, rollout), undefined);
  });
});

describe("nginx read-back", () => {
  it("reads the canary weight, with canary-weight-total, and all-stable without a canary Ingress", () => {
    for (const weight of [0, 15, 100]) {
      assert.deepEqual(readCanaryIngressWeights(createCanaryIngress(stable(), rollout, routing(weight)), rollout), { canary: weight, stable: 100 - weight });
    }
    assert.deepEqual(readCanaryIngressWeights(undefined, rollout), { canary: 0, stable: 100 });
    const scaled = ok(createCanaryIngress(stable(), rollout, routing(0)));
    scaled.metadata.annotations = { [`${P}/canary`]: "true", [`${P}/canary-weight`]: "250", [`${P}/canary-weight-total`]: "1000" };
    assert.deepEqual(readCanaryIngressWeights(scaled, rollout), { canary: 25, stable: 75 });
    scaled.metadata.annotations[`${P}/canary-weight`] = "ten";
    assert.equal(problem(readCanaryIngressWeights(scaled, rollout)).code, "MalformedObject");
    scaled.metadata.annotations[`${P}/canary`] = "false";
    assert.deepEqual(readCanaryIngressWeights(scaled, rollout), { canary: 0, stable: 100 });
  });
});
