/**
 * Each traffic router's user objects and how to read the weights it was given, for a canary of app "shop" with
 * Services shop-stable and shop-canary in namespace default (test/controller/routers.test.ts walks them; the RBAC
 * test runs them in namespaces of their own).
 */
import type { KubeClient, KubeObject } from "../../src/kube/kube-client.ts";

export type Provider = {
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

export const get = (kube: KubeClient, apiVersion: string, kind: string, name: string) => kube.get({ apiVersion, kind, namespace: "default", name });

export const providers: Provider[] = [
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
