/**
 * The router shells against the sandbox API server (real HTTP, the providers' CRD schemas with pruning,
 * resourceVersions, garbage collection) through the controller's Kubernetes client: what survives a
 * round trip through an API server, not only through the pure builders.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { rolloutSchema, type Rollout } from "../../src/api/rollout.ts";
import type { TrafficRouting } from "../../src/api/traffic-routing.ts";
import { ClientNodeKube } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import type { KubeObject, TrafficRouter } from "../../src/routers/types.ts";
import { startApiServer, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { thirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { fixture, routing } from "./helpers.ts";

const SLUICE_CRDS = readdirSync(new URL("../../crds/", import.meta.url)).map((file) => new URL(`../../crds/${file}`, import.meta.url).pathname);
const testers = { name: "testers", match: [{ headerName: "X-Canary", headerValue: { exact: "always" } }] };
const shadow = { name: "shadow", percentage: 20, match: [{ method: { exact: "GET" } }] };

let server: ApiServer;
let kube: ClientNodeKube;

before(async () => {
  const { virtualService, destinationRule, httpRoute, trafficSplit } = thirdPartyCrdFiles;
  server = await startApiServer({ preload: [...SLUICE_CRDS, httpRoute] });
  // The Istio and SMI CRD files share one version block through a YAML merge key (`<<: *version`), which
  // the sandbox's preload does not resolve yet; parse them with merge keys on and create them directly.
  for (const file of [virtualService, destinationRule, trafficSplit]) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"), { merge: true })) server.create(doc.toJSON() as Parameters<ApiServer["create"]>[0]);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  kube = new ClientNodeKube(kc);
  await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
});
after(async () => server?.stop());

/** A Rollout stored in the API server (so owner references resolve and GC keeps what it owns). */
async function storedRollout(name: string, trafficRouting: TrafficRouting): Promise<Rollout> {
  const raw = fixture("rollout-base.yaml") as KubeObject & { spec: { strategy: { canary: Record<string, unknown> } } };
  raw.metadata = { name, namespace: "shop" };
  raw.spec.strategy.canary["trafficRouting"] = trafficRouting;
  const created = await kube.create(raw);
  return rolloutSchema.parse(JSON.parse(JSON.stringify(created)));
}

function routerOf(rollout: Rollout): TrafficRouter {
  const router = routerFor(rollout, kube);
  assert.ok(router);
  return router;
}

async function stored(apiVersion: string, kind: string, name: string): Promise<KubeObject> {
  const object = await kube.get({ apiVersion, kind, namespace: "shop", name });
  assert.ok(object, `${kind} shop/${name} not found`);
  return JSON.parse(JSON.stringify(object)) as KubeObject;
}

describe("routers against the sandbox API server", () => {
  it("Gateway API: weights, named header and mirror rules survive the CRD schema; reset restores the spec", async () => {
    const route = fixture("httproute-multi-rule.yaml") as KubeObject;
    route.metadata = { ...route.metadata, name: "gw", resourceVersion: undefined };
    delete route.metadata.resourceVersion;
    await kube.create(route);
    const original = await stored("gateway.networking.k8s.io/v1", "HTTPRoute", "gw");
    const rollout = await storedRollout("gw", { gatewayAPI: { httpRoute: "gw" } });
    const router = routerOf(rollout);

    assert.equal(await router.apply(rollout, routing(25, { headerRoutes: [testers], mirrorRoutes: [shadow] })), undefined);
    const observed = await router.observe(rollout);
    assert.deepEqual(observed, {
      weights: { canary: 25, stable: 75 },
      managedRoutes: ["sluice-gw-testers", "sluice-gw-testers-1", "sluice-gw-shadow", "sluice-gw-shadow-1"],
    });
    const written = (await stored("gateway.networking.k8s.io/v1", "HTTPRoute", "gw")).spec as { rules: { filters?: unknown[] }[] };
    const mirror = written.rules.at(-2)?.filters?.at(-1);
    // The API server defaulted group and kind on the stable backendRef; the canary copies carry them too,
    // so the next build equals what is stored and makes no write.
    assert.deepEqual(mirror, { type: "RequestMirror", requestMirror: { backendRef: { group: "", kind: "Service", name: "checkout-canary", port: 80 }, percent: 20 } });
    const version = (await stored("gateway.networking.k8s.io/v1", "HTTPRoute", "gw")).metadata.resourceVersion;
    assert.equal(await router.apply(rollout, routing(25, { headerRoutes: [testers], mirrorRoutes: [shadow] })), undefined);
    assert.equal((await stored("gateway.networking.k8s.io/v1", "HTTPRoute", "gw")).metadata.resourceVersion, version, "no write when nothing changed");

    assert.equal(await router.reset(rollout), undefined);
    assert.deepEqual((await stored("gateway.networking.k8s.io/v1", "HTTPRoute", "gw")).spec, {
      ...(original.spec as object),
      rules: (original.spec as { rules: { backendRefs?: { name: string }[] }[] }).rules.map((rule, index) =>
        index === 1 ? { ...rule, backendRefs: [...(rule.backendRefs ?? []), { group: "", kind: "Service", name: "checkout-canary", port: 8080, weight: 0 }] } : rule,
      ),
    });
  });

  it("Istio: DestinationRule pinned, VirtualService weighted with managed routes first, then reset", async () => {
    const service = fixture("virtualservice-by-subset.yaml") as KubeObject;
    const rule = fixture("destinationrule.yaml") as KubeObject;
    await kube.create(service);
    await kube.create(rule);
    const original = await stored("networking.istio.io/v1", "VirtualService", "checkout");
    const rollout = await storedRollout("checkout", {
      istio: { virtualService: { name: "checkout", routes: ["primary"] }, destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "canary" } },
    });
    const router = routerOf(rollout);
    assert.equal(await router.apply(rollout, routing(40, { headerRoutes: [testers] }), { stablePodHash: "s1", canaryPodHash: "c2" }), undefined);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 40, stable: 60 }, managedRoutes: ["sluice-checkout-testers"], subsets: { stable: "s1", canary: "c2" } });
    const version = (await stored("networking.istio.io/v1", "VirtualService", "checkout")).metadata.resourceVersion;
    await router.apply(rollout, routing(40, { headerRoutes: [testers] }), { stablePodHash: "s1", canaryPodHash: "c2" });
    assert.equal((await stored("networking.istio.io/v1", "VirtualService", "checkout")).metadata.resourceVersion, version, "no write when nothing changed");
    const subsets = ((await stored("networking.istio.io/v1", "DestinationRule", "checkout")).spec as { subsets: { labels: Record<string, string> }[] }).subsets;
    assert.deepEqual(subsets.map((subset) => subset.labels["rollouts-pod-template-hash"]), ["s1", "c2", undefined]);
    await router.reset(rollout, { stablePodHash: "s1", canaryPodHash: "c2" });
    assert.deepEqual((await stored("networking.istio.io/v1", "VirtualService", "checkout")).spec, original.spec);
  });

  it("nginx: the canary Ingress is created with an owner that resolves, updated, and reset to weight 0", async () => {
    const stable = fixture("ingress-stable.yaml") as KubeObject;
    stable.metadata = { name: "web", namespace: "shop", annotations: stable.metadata.annotations ?? {} };
    await kube.create(stable);
    const rollout = await storedRollout("web", { nginx: { stableIngress: "web", annotationPrefix: "nginx.ingress.kubernetes.io" } });
    const router = routerOf(rollout);
    assert.equal(await router.apply(rollout, routing(10, { headerRoutes: [testers] })), undefined);
    assert.equal(await router.apply(rollout, routing(30, { headerRoutes: [testers] })), undefined);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 30, stable: 70 }, managedRoutes: ["X-Canary"] });
    const canary = await stored("networking.k8s.io/v1", "Ingress", "web-web-canary");
    assert.equal(canary.metadata.ownerReferences?.[0]?.uid, rollout.metadata.uid);
    assert.equal(await router.apply(rollout, routing(30, { headerRoutes: [testers] })), undefined);
    assert.equal((await stored("networking.k8s.io/v1", "Ingress", "web-web-canary")).metadata.resourceVersion, canary.metadata.resourceVersion, "no write when nothing changed");
    await router.reset(rollout);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 0, stable: 100 }, managedRoutes: [] });
  });

  it("SMI: the TrafficSplit is created in v1alpha2 and weighted", async () => {
    const rollout = await storedRollout("search", { smi: {} });
    const router = routerOf(rollout);
    assert.equal(await router.apply(rollout, routing(15)), undefined);
    assert.equal(await router.apply(rollout, routing(35)), undefined);
    assert.deepEqual(await router.observe(rollout), { weights: { canary: 35, stable: 65 }, managedRoutes: [] });
    const split = await stored("split.smi-spec.io/v1alpha2", "TrafficSplit", "search");
    await router.apply(rollout, routing(35));
    assert.equal((await stored("split.smi-spec.io/v1alpha2", "TrafficSplit", "search")).metadata.resourceVersion, split.metadata.resourceVersion, "no write when nothing changed");
    assert.deepEqual(split.spec, {
      service: "checkout-stable",
      backends: [
        { service: "checkout-stable", weight: 65 },
        { service: "checkout-canary", weight: 35 },
      ],
    });
  });
});
