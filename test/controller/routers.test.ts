/**
 * Every router through the real controller and the sandbox API server: a missing router object is a
 * condition that clears once it exists, a canary walks its weights into the provider's object, abort
 * restores 100/0, and deleting the Rollout leaves the user's objects as they were (owned ones are gone).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeClient, KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";

type Provider = {
  name: string;
  trafficRouting: Record<string, unknown>;
  /** The user's router objects (created after the Rollout, to see the missing-object condition first). */
  userObjects: () => KubeObject[];
  /** [stable, canary] as the provider's object says now; undefined when there is no such object. */
  weights: (kube: KubeClient) => Promise<[number, number] | undefined>;
  /** Objects sluice created that must be gone after the Rollout is deleted. */
  owned?: { apiVersion: string; kind: string; name: string }[];
  /** What of a user object must be as before after deletion (default: its spec). */
  specOf?: (o: KubeObject | undefined) => unknown;
};

const get = (kube: KubeClient, apiVersion: string, kind: string, name: string) => kube.get({ apiVersion, kind, namespace: "default", name });

const providers: Provider[] = [
  {
    name: "ingress-nginx",
    trafficRouting: { nginx: { stableIngress: "shop" } },
    userObjects: () => [
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "shop", namespace: "default" },
        spec: { ingressClassName: "nginx", rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "shop-stable", port: { number: 80 } } } }] } }] },
      },
    ],
    weights: async (kube) => {
      const canary = await get(kube, "networking.k8s.io/v1", "Ingress", "shop-shop-canary");
      if (!canary) return (await get(kube, "networking.k8s.io/v1", "Ingress", "shop")) ? [100, 0] : undefined;
      const w = Number(canary.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"] ?? "0");
      return [100 - w, w];
    },
    owned: [{ apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "shop-shop-canary" }],
  },
  {
    name: "Istio (by host)",
    trafficRouting: { istio: { virtualService: { name: "shop", routes: ["primary"] } } },
    userObjects: () => [
      {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: { name: "shop", namespace: "default" },
        spec: {
          hosts: ["shop"],
          http: [
            { name: "primary", route: [{ destination: { host: "shop-stable" }, weight: 100 }, { destination: { host: "shop-canary" }, weight: 0 }] },
          ],
        },
      },
    ],
    weights: async (kube) => {
      const vs = await get(kube, "networking.istio.io/v1", "VirtualService", "shop");
      if (!vs) return undefined;
      const route = (vs.spec as { http: { name?: string; route: { destination: { host: string }; weight?: number }[] }[] }).http.find((r) => r.name === "primary");
      const w = (host: string) => route?.route.find((d) => d.destination.host === host)?.weight ?? 0;
      return [w("shop-stable"), w("shop-canary")];
    },
  },
  {
    name: "Istio (by DestinationRule subsets)",
    trafficRouting: { istio: { virtualService: { name: "shop" }, destinationRule: { name: "shop", stableSubsetName: "stable", canarySubsetName: "canary" } } },
    userObjects: () => [
      {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: "shop", namespace: "default" },
        spec: { host: "shop-stable", subsets: [{ name: "stable", labels: { app: "shop" } }, { name: "canary", labels: { app: "shop" } }] },
      },
      {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: { name: "shop", namespace: "default" },
        spec: {
          hosts: ["shop"],
          http: [{ route: [{ destination: { host: "shop-stable", subset: "stable" }, weight: 100 }, { destination: { host: "shop-stable", subset: "canary" }, weight: 0 }] }],
        },
      },
    ],
    weights: async (kube) => {
      const vs = await get(kube, "networking.istio.io/v1", "VirtualService", "shop");
      if (!vs) return undefined;
      const route = (vs.spec as { http: { route: { destination: { subset?: string }; weight?: number }[] }[] }).http[0];
      const w = (subset: string) => route?.route.find((d) => d.destination.subset === subset)?.weight ?? 0;
      return [w("stable"), w("canary")];
    },
    // The subsets were pinned to pod-template hashes while the canary ran; the spec check below compares
    // the VirtualService only (DestinationRule pins are sluice's, like Service selectors).
    specOf: (o) => (o?.kind === "DestinationRule" ? undefined : o?.spec),
  },
  {
    name: "SMI",
    trafficRouting: { smi: { trafficSplitName: "shop" } },
    userObjects: () => [],
    weights: async (kube) => {
      const split = await get(kube, "split.smi-spec.io/v1alpha2", "TrafficSplit", "shop");
      if (!split) return undefined;
      const backends = (split.spec as { backends: { service: string; weight: number }[] }).backends;
      return [backends.find((b) => b.service === "shop-stable")?.weight ?? 0, backends.find((b) => b.service === "shop-canary")?.weight ?? 0];
    },
    owned: [{ apiVersion: "split.smi-spec.io/v1alpha2", kind: "TrafficSplit", name: "shop" }],
  },
];

for (const provider of providers) {
  describe(`canary through ${provider.name}`, () => {
    let env: Env;
    before(async () => {
      env = await startEnv({ preload: [...allThirdPartyCrdFiles] });
      await env.startController({ routerFor });
    });
    after(async () => env?.stop());

    test("missing object → condition; then each weight reaches the object; abort → 100/0; deletion cleans up", { timeout: 60_000 }, async () => {
      for (const name of ["shop-stable", "shop-canary"]) {
        await env.kube.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "shop" }, ports: [{ port: 80 }] } });
      }
      await env.kube.create({
        apiVersion: API_GROUP_VERSION,
        kind: "Rollout",
        metadata: { name: "shop", namespace: "default" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "shop" } },
          template: { metadata: { labels: { app: "shop" } }, spec: { containers: [{ name: "app", image: "acme/shop:1" }] } },
          strategy: {
            canary: {
              stableService: "shop-stable",
              canaryService: "shop-canary",
              trafficRouting: provider.trafficRouting,
              abortScaleDownDelaySeconds: 0,
              steps: [{ setWeight: 20 }, { pause: { duration: 1 } }, { setWeight: 60 }, { pause: {} }],
            },
          },
        },
      });
      const userObjects = provider.userObjects();
      if (userObjects.length > 0) {
        const problem = await env.waitFor("the router's condition", async () => {
          const c = statusOf(await env.rollout("shop")).conditions?.find((x) => x.type === "TrafficRouting");
          return c?.status === "False" ? c : undefined;
        });
        assert.ok(problem.message && problem.message.length > 10, `the condition explains itself: ${problem.message}`);
        for (const obj of userObjects) await env.kube.create(obj);
      }
      await env.waitFor("Healthy", async () => (statusOf(await env.rollout("shop")).phase === "Healthy" ? true : undefined), 20_000);
      const before = await Promise.all(userObjects.map((o) => env.kube.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: "default", name: o.metadata.name })));

      await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "shop" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/shop:2" }] } } } });
      const seen = new Set<string>();
      await env.waitFor("paused at 60%", async () => {
        const w = await provider.weights(env.kube);
        if (w) seen.add(w.join("/"));
        const s = statusOf(await env.rollout("shop"));
        return s.phase === "Paused" && s.currentStepIndex === 3 ? true : undefined;
      }, 20_000);
      assert.deepEqual(await provider.weights(env.kube), [40, 60]);
      assert.ok(seen.has("80/20"), `passed through 20%: ${[...seen].join(" ")}`);
      assert.deepEqual(statusOf(await env.rollout("shop")).canary?.weights, { canary: 60, stable: 40 });
      if (provider.name.includes("subsets")) {
        const s = statusOf(await env.rollout("shop"));
        const dr = await get(env.kube, "networking.istio.io/v1", "DestinationRule", "shop");
        const subsets = (dr?.spec as { subsets: { name: string; labels: Record<string, string> }[] }).subsets;
        assert.equal(subsets.find((x) => x.name === "stable")?.labels["rollouts-pod-template-hash"], s.stableRS);
        assert.equal(subsets.find((x) => x.name === "canary")?.labels["rollouts-pod-template-hash"], s.currentPodHash);
      }

      await env.patchRolloutStatus("shop", (s) => ({ ...s, abort: true }));
      await env.waitFor("Aborted at 100/0", async () => {
        const s = statusOf(await env.rollout("shop"));
        const w = await provider.weights(env.kube);
        return s.phase === "Aborted" && w?.join("/") === "100/0" ? true : undefined;
      });

      await env.kube.delete({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "shop" });
      await env.waitFor("Rollout gone", async () => ((await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "shop" })) ? undefined : true));
      for (const owned of provider.owned ?? []) {
        await env.waitFor(`${owned.kind} ${owned.name} garbage-collected`, async () => ((await get(env.kube, owned.apiVersion, owned.kind, owned.name)) ? undefined : true));
      }
      // The user's objects are back to what they were before the canary (spec-wise).
      const afterwards = await Promise.all(userObjects.map((o) => env.kube.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: "default", name: o.metadata.name })));
      const specOf = provider.specOf ?? ((o: KubeObject | undefined) => o?.spec);
      assert.deepEqual(afterwards.map(specOf), before.map(specOf));
    });
  });
}
