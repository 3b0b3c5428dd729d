import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { routerFor } from "../../src/routers/router-for.ts";
import type { KubeObject, TrafficRouter } from "../../src/routers/types.ts";
import { FakeKube } from "./fake-kube.ts";
import { fixture, rolloutWith, routing } from "./helpers.ts";

const gatewayRollout = rolloutWith({ gatewayAPI: { httpRoute: "checkout" } });
const testers = { name: "testers", match: [{ headerName: "X-Canary", headerValue: { exact: "always" } }] };

function routerOf(rollout: Parameters<typeof routerFor>[0], kube: FakeKube): TrafficRouter {
  const router = routerFor(rollout, kube);
  assert.ok(router);
  return router;
}

describe("routerFor", () => {
  it("picks the router of the Rollout's trafficRouting, none without one", () => {
    const kube = new FakeKube();
    assert.equal(routerFor(rolloutWith(undefined), kube), undefined);
    assert.equal(routerOf(gatewayRollout, kube).type, "gatewayAPI");
    assert.equal(routerOf(rolloutWith({ nginx: { stableIngress: "checkout", annotationPrefix: "x" } }), kube).type, "nginx");
    assert.equal(routerOf(rolloutWith({ istio: { virtualService: { name: "checkout" } } }), kube).type, "istio");
    assert.equal(routerOf(rolloutWith({ smi: {} }), kube).type, "smi");
  });
});

describe("Gateway API router shell", () => {
  it("writes once per change, not at all when nothing changes, and observes what it wrote", async () => {
    const kube = new FakeKube([fixture("httproute-multi-rule.yaml")]);
    const router = routerOf(gatewayRollout, kube);
    assert.equal(await router.apply(gatewayRollout, routing(20, { headerRoutes: [testers] })), undefined);
    assert.deepEqual(kube.writes, [{ verb: "replace", kind: "HTTPRoute", name: "checkout" }], "two rules weighted and two rules added in one write");
    assert.equal(await router.apply(gatewayRollout, routing(20, { headerRoutes: [testers] })), undefined);
    assert.equal(kube.writes.length, 1, "an unchanged routing makes no write");
    assert.deepEqual(await router.observe(gatewayRollout), {
      weights: { canary: 20, stable: 80 },
      managedRoutes: ["sluice-checkout-testers", "sluice-checkout-testers-1"],
    });
    await router.reset(gatewayRollout);
    assert.deepEqual(await router.observe(gatewayRollout), { weights: { canary: 0, stable: 100 }, managedRoutes: [] });
  });

  it("rebuilds from a fresh read when another writer got there first", async () => {
    const kube = new FakeKube([fixture("httproute-at-rest.yaml")]);
    kube.conflictsToInject = 2;
    assert.equal(await routerOf(gatewayRollout, kube).apply(gatewayRollout, routing(10)), undefined);
    assert.deepEqual(await routerOf(gatewayRollout, kube).observe(gatewayRollout), { weights: { canary: 10, stable: 90 }, managedRoutes: [] });
  });

  it("gives up after repeated conflicts with the API server's error", async () => {
    const kube = new FakeKube([fixture("httproute-at-rest.yaml")]);
    kube.conflictsToInject = 5;
    await assert.rejects(routerOf(gatewayRollout, kube).apply(gatewayRollout, routing(10)), /has been modified/);
  });

  it("removes its rules again and says so when the API server prunes rule names (Gateway API CRDs before v1.2)", async () => {
    class PruningKube extends FakeKube {
      override async replace(object: KubeObject): Promise<KubeObject> {
        const pruned = structuredClone(object) as KubeObject & { spec: { rules?: { name?: string }[] } };
        for (const rule of pruned.spec.rules ?? []) delete rule.name;
        return super.replace(pruned);
      }
    }
    const kube = new PruningKube([fixture("httproute-multi-rule.yaml")]);
    const router = routerOf(gatewayRollout, kube);
    const problem = await router.apply(gatewayRollout, routing(20, { headerRoutes: [testers] }));
    assert.equal(problem?.code, "Unsupported");
    assert.match(problem?.message ?? "", /^HTTPRoute shop\/checkout lost the rule names .*Gateway API v1\.2.*upgrade them/);
    const stored = kube.find("HTTPRoute", "shop", "checkout") as KubeObject & { spec: { rules: unknown[] } };
    assert.equal(stored.spec.rules.length, 4, "the unnamed copies are gone again");
    assert.equal(await router.apply(gatewayRollout, routing(20)), undefined, "weights alone still work");
  });

  it("removes its rules again when the API server prunes RequestMirror percent (which would mirror everything)", async () => {
    class PruningKube extends FakeKube {
      override async replace(object: KubeObject): Promise<KubeObject> {
        const pruned = structuredClone(object) as KubeObject & { spec: { rules?: { filters?: { requestMirror?: { percent?: number } }[] }[] } };
        for (const rule of pruned.spec.rules ?? []) for (const filter of rule.filters ?? []) delete filter.requestMirror?.percent;
        return super.replace(pruned);
      }
    }
    const kube = new PruningKube([fixture("httproute-at-rest.yaml")]);
    const router = routerOf(gatewayRollout, kube);
    const problem = await router.apply(gatewayRollout, routing(0, { mirrorRoutes: [{ name: "shadow", percentage: 5, match: [] }] }));
    assert.equal(problem?.code, "Unsupported");
    assert.match(problem?.message ?? "", /lost the RequestMirror percent field/);
    assert.deepEqual(((await router.observe(gatewayRollout)) as { managedRoutes: string[] }).managedRoutes, []);
  });

  it("returns a RouterProblem for a missing HTTPRoute without writing", async () => {
    const kube = new FakeKube();
    const problem = await routerOf(gatewayRollout, kube).apply(gatewayRollout, routing(10));
    assert.equal(problem?.code, "ObjectNotFound");
    assert.match(problem?.message ?? "", /^HTTPRoute shop\/checkout does not exist/);
    assert.equal(kube.writes.length, 0);
    assert.equal(((await routerOf(gatewayRollout, kube).observe(gatewayRollout)) as { code?: string }).code, "ObjectNotFound");
  });
});

describe("Istio router shell", () => {
  const rollout = rolloutWith(
    {
      istio: {
        virtualService: { name: "checkout", routes: ["primary"] },
        destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "canary" },
      },
    },
    (raw) => {
      raw.status = { stableRS: "aaa111", currentPodHash: "bbb222" };
    },
  );

  it("pins the DestinationRule from the Rollout status, then weights the VirtualService", async () => {
    const kube = new FakeKube([fixture("virtualservice-by-subset.yaml"), fixture("destinationrule.yaml")]);
    const router = routerOf(rollout, kube);
    assert.equal(await router.apply(rollout, routing(30)), undefined);
    assert.deepEqual(kube.writes.map((write) => write.kind), ["DestinationRule", "VirtualService"]);
    const rule = kube.find("DestinationRule", "shop", "checkout") as KubeObject & { spec: { subsets: { labels: Record<string, string> }[] } };
    assert.deepEqual(rule.spec.subsets.map((subset) => subset.labels["rollouts-pod-template-hash"]), ["aaa111", "bbb222", undefined]);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 30, stable: 70 }, managedRoutes: [], subsets: { stable: "aaa111", canary: "bbb222" } });
    await router.apply(rollout, routing(30), { stablePodHash: "aaa111", canaryPodHash: "bbb222" });
    assert.equal(kube.writes.length, 2, "nothing changed, nothing written");
  });

  it("a new revision mid-canary: the canary subset moves only once the VirtualService sends it nothing (issue 11, item 5)", async () => {
    const kube = new FakeKube([fixture("virtualservice-by-subset.yaml"), fixture("destinationrule.yaml")]);
    const router = routerOf(rollout, kube);
    await router.apply(rollout, routing(50), { stablePodHash: "aaa111", canaryPodHash: "bbb222" });
    const canarySubset = () => (kube.find("DestinationRule", "shop", "checkout") as KubeObject & { spec: { subsets: { labels: Record<string, string> }[] } }).spec.subsets[1]?.labels["rollouts-pod-template-hash"];
    // Revision ccc333 replaces bbb222, whose pods still take 50%: the first write must take that 50% away.
    class FailingSecondWrite extends FakeKube {
      override async replace(object: KubeObject): Promise<KubeObject> {
        if (this.writes.length >= 3) throw Object.assign(new Error("etcd timeout"), { statusCode: 500 });
        return super.replace(object);
      }
    }
    const failing = new FailingSecondWrite([kube.find("VirtualService", "shop", "checkout"), kube.find("DestinationRule", "shop", "checkout")]);
    failing.writes.push(...kube.writes);
    await assert.rejects(routerOf(rollout, failing).apply(rollout, routing(0), { stablePodHash: "aaa111", canaryPodHash: "ccc333" }));
    assert.deepEqual(failing.writes.slice(2).map((w) => w.kind), ["VirtualService"], "the weight went first");
    assert.deepEqual(await routerOf(rollout, failing).observe(rollout), { weights: { canary: 0, stable: 100 }, managedRoutes: [], subsets: { stable: "aaa111", canary: "bbb222" } });
    assert.equal((failing.find("DestinationRule", "shop", "checkout") as KubeObject & { spec: { subsets: { labels: Record<string, string> }[] } }).spec.subsets[1]?.labels["rollouts-pod-template-hash"], "bbb222", "the subset did not move while traffic reached it");
    // Without failures: weight 0, then the subset, then the weight asked for.
    await router.apply(rollout, routing(20), { stablePodHash: "aaa111", canaryPodHash: "ccc333" });
    assert.deepEqual(kube.writes.slice(2).map((w) => w.kind), ["VirtualService", "DestinationRule", "VirtualService"]);
    assert.equal(canarySubset(), "ccc333");
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 20, stable: 80 }, managedRoutes: [], subsets: { stable: "aaa111", canary: "ccc333" } });
  });

  it("by subset with no stableService/canaryService: weights only the DestinationRule host's subsets and reads back their hashes", async () => {
    const bare = rolloutWith({ istio: { virtualService: { name: "checkout" }, destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "canary" } } }, (raw) => {
      const canary = raw.spec.strategy.canary;
      if (canary) {
        delete canary.stableService;
        delete canary.canaryService;
      }
    });
    const service = fixture("virtualservice-by-subset.yaml") as KubeObject & { spec: { http: unknown[] } };
    // Another host's subset that happens to share the name "stable" is someone else's route.
    service.spec.http.push({ name: "payments", route: [{ destination: { host: "payments.shop.svc.cluster.local", subset: "stable" }, weight: 100 }] });
    const kube = new FakeKube([service, fixture("destinationrule.yaml")]);
    const router = routerOf(bare, kube);
    assert.equal(await router.apply(bare, routing(30), { stablePodHash: "aaa111", canaryPodHash: "bbb222" }), undefined);
    assert.deepEqual(await router.observe(bare), { weights: { canary: 30, stable: 70 }, managedRoutes: [], subsets: { stable: "aaa111", canary: "bbb222" } });
    const written = kube.find("VirtualService", "shop", "checkout") as KubeObject & { spec: { http: { name: string; route: unknown[] }[] } };
    assert.deepEqual(written.spec.http.find((route) => route.name === "payments")?.route, [{ destination: { host: "payments.shop.svc.cluster.local", subset: "stable" }, weight: 100 }]);
    assert.deepEqual(written.spec.http.find((route) => route.name === "fallback")?.route, [
      { destination: { host: "checkout", subset: "stable" }, weight: 70 },
      { destination: { host: "checkout", subset: "canary" }, weight: 30 },
    ]);
  });

  it("by subset, promotion: the stable subset is re-pinned to the new version before the canary weight drops to 0", async () => {
    type Rule = KubeObject & { spec: { subsets: { labels: Record<string, string> }[] } };
    const seenAtWeights: { canaryWeight: number; stable: string | undefined; canary: string | undefined }[] = [];
    class Recording extends FakeKube {
      override async replace(object: KubeObject): Promise<KubeObject> {
        const stored = await super.replace(object);
        if (object.kind === "VirtualService") {
          const rule = this.find("DestinationRule", "shop", "checkout") as Rule;
          const weights = (await routerOf(rollout, this).observe(rollout)) as { weights: { canary: number } };
          seenAtWeights.push({ canaryWeight: weights.weights.canary, stable: rule.spec.subsets[0]?.labels["rollouts-pod-template-hash"], canary: rule.spec.subsets[1]?.labels["rollouts-pod-template-hash"] });
        }
        return stored;
      }
    }
    const kube = new Recording([fixture("virtualservice-by-subset.yaml"), fixture("destinationrule.yaml")]);
    const router = routerOf(rollout, kube);
    await router.apply(rollout, routing(100), { stablePodHash: "aaa111", canaryPodHash: "bbb222" });
    // Promoted: bbb222 is the stable version now, and traffic returns to the stable subset.
    await router.apply(rollout, routing(0), { stablePodHash: "bbb222", canaryPodHash: "bbb222" });
    assert.deepEqual(seenAtWeights, [
      { canaryWeight: 100, stable: "aaa111", canary: "bbb222" },
      { canaryWeight: 0, stable: "bbb222", canary: "bbb222" },
    ]);
  });

  it("observe by subset reports a missing DestinationRule: without it nobody knows which pods the subsets reach", async () => {
    const kube = new FakeKube([fixture("virtualservice-by-subset.yaml")]);
    const seen = await routerOf(rollout, kube).observe(rollout);
    assert.equal((seen as { code?: string }).code, "ObjectNotFound");
  });

  it("stops at a DestinationRule problem before touching the VirtualService", async () => {
    const kube = new FakeKube([fixture("virtualservice-by-subset.yaml")]);
    const problem = await routerOf(rollout, kube).apply(rollout, routing(30));
    assert.equal(problem?.code, "ObjectNotFound");
    assert.match(problem?.message ?? "", /DestinationRule shop\/checkout/);
    assert.equal(kube.writes.length, 0);
  });
});

describe("nginx router shell", () => {
  const rollout = rolloutWith({ nginx: { stableIngress: "checkout", annotationPrefix: "nginx.ingress.kubernetes.io" } });

  it("creates the canary Ingress once, then updates it, and reset keeps it at weight 0", async () => {
    const kube = new FakeKube([fixture("ingress-stable.yaml")]);
    const router = routerOf(rollout, kube);
    assert.equal(await router.apply(rollout, routing(10, { headerRoutes: [testers] })), undefined);
    assert.equal(await router.apply(rollout, routing(40, { headerRoutes: [testers] })), undefined);
    assert.deepEqual(kube.writes, [
      { verb: "create", kind: "Ingress", name: "checkout-checkout-canary" },
      { verb: "replace", kind: "Ingress", name: "checkout-checkout-canary" },
    ]);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 40, stable: 60 }, managedRoutes: ["X-Canary"] });
    await router.reset(rollout);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 0, stable: 100 }, managedRoutes: [] });
  });

  it("does not create a canary Ingress on reset, nor over another canary for the same host/path", async () => {
    const kube = new FakeKube([fixture("ingress-stable.yaml")]);
    await routerOf(rollout, kube).reset(rollout);
    assert.equal(kube.writes.length, 0);
    const hotfix = fixture("ingress-stable.yaml") as KubeObject;
    hotfix.metadata = { name: "checkout-hotfix", namespace: "shop", annotations: { "nginx.ingress.kubernetes.io/canary": "true" } };
    kube.put(hotfix);
    const problem = await routerOf(rollout, kube).apply(rollout, routing(10));
    assert.equal(problem?.code, "Conflict");
    assert.equal(kube.writes.length, 0);
  });
});

describe("SMI router shell", () => {
  const rollout = rolloutWith({ smi: { trafficSplitName: "checkout" } });

  it("creates the TrafficSplit in the configured version and updates it in place", async () => {
    const kube = new FakeKube();
    const router = routerFor(rollout, kube, { smi: { version: "v1alpha4" } });
    assert.ok(router);
    await router.reset(rollout);
    assert.equal(kube.writes.length, 0, "reset does not create a split");
    await router.apply(rollout, routing(10));
    await router.apply(rollout, routing(20));
    assert.deepEqual(kube.writes.map((write) => write.verb), ["create", "replace"]);
    assert.equal(kube.find("TrafficSplit", "shop", "checkout")?.apiVersion, "split.smi-spec.io/v1alpha4");
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 20, stable: 80 }, managedRoutes: [] });
  });
});
