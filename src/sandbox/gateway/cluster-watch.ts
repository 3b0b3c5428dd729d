/**
 * What the gateway reads from the API server, kept current by informers (list + watch, restarted on
 * error as the controller's are): the one HTTPRoute it serves, and every Service and Endpoints (backends
 * may live in other namespaces). Over the API like a real gateway, so it also works against `--keep`.
 */
import { CoreV1Api, CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { httpRouteSchema, type HTTPRoute } from "../../routers/gateway-api/schema.ts";
import { EndpointTable } from "./endpoint-table.ts";

export interface RouteLocation {
  readonly namespace: string;
  readonly name: string;
}

export interface ClusterWatch {
  readonly endpoints: EndpointTable;
  /** The HTTPRoute as last seen (undefined before it exists or when it does not validate). */
  route(): HTTPRoute | undefined;
  /** Called after every change of the route, a Service or Endpoints. */
  onChange(listener: () => void): void;
  stop(): Promise<void>;
}

type Loose = KubernetesObject & Record<string, unknown>;
const asList = (value: unknown): KubernetesListObject<Loose> => value as KubernetesListObject<Loose>;

export async function watchCluster(kc: KubeConfig, location: RouteLocation, log: Logger): Promise<ClusterWatch> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const endpoints = new EndpointTable();
  const listeners: (() => void)[] = [];
  let route: HTTPRoute | undefined;
  let stopped = false;
  const changed = (): void => listeners.forEach((l) => l());

  const routes = makeInformer<Loose>(kc, `/apis/gateway.networking.k8s.io/v1/namespaces/${location.namespace}/httproutes`, async () =>
    asList(await custom.listNamespacedCustomObject({ group: "gateway.networking.k8s.io", version: "v1", namespace: location.namespace, plural: "httproutes" })),
  );
  const setRoute = (obj: Loose): void => {
    if (obj.metadata?.name !== location.name) return;
    const parsed = httpRouteSchema.safeParse(JSON.parse(JSON.stringify(obj)));
    if (!parsed.success) log.warn({ route: location.name }, "HTTPRoute does not validate; keeping the last good one");
    else route = parsed.data;
    changed();
  };
  routes.on("add", setRoute);
  routes.on("update", setRoute);
  routes.on("delete", (obj) => {
    if (obj.metadata?.name !== location.name) return;
    route = undefined;
    changed();
  });

  const eps = makeInformer<Loose>(kc, "/api/v1/endpoints", async () => asList(await core.listEndpointsForAllNamespaces()));
  const setEndpoints = (obj: Loose): void => {
    endpoints.setEndpoints(obj.metadata?.namespace ?? "", obj.metadata?.name ?? "", obj["subsets"]);
    changed();
  };
  eps.on("add", setEndpoints);
  eps.on("update", setEndpoints);
  eps.on("delete", (obj) => {
    endpoints.deleteEndpoints(obj.metadata?.namespace ?? "", obj.metadata?.name ?? "");
    changed();
  });

  const services = makeInformer<Loose>(kc, "/api/v1/services", async () => asList(await core.listServiceForAllNamespaces()));
  const setService = (obj: Loose): void => {
    const spec = obj["spec"] as { ports?: unknown } | undefined;
    endpoints.setService(obj.metadata?.namespace ?? "", obj.metadata?.name ?? "", spec?.ports);
    changed();
  };
  services.on("add", setService);
  services.on("update", setService);
  services.on("delete", (obj) => {
    endpoints.deleteService(obj.metadata?.namespace ?? "", obj.metadata?.name ?? "");
    changed();
  });

  const informers = [routes, eps, services];
  for (const informer of informers) {
    informer.on("error", (error: unknown) => {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, "gateway watch failed; restarting");
      if (!stopped) setTimeout(() => void (stopped ? undefined : informer.start().catch(() => undefined)), 500).unref();
    });
  }
  await Promise.all(informers.map((i) => i.start()));

  return {
    endpoints,
    route: () => route,
    onChange: (listener) => void listeners.push(listener),
    async stop() {
      stopped = true;
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
