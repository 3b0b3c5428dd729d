/** What a Gateway API canary of app `app` needs besides its Rollout: APP-stable and APP-canary, and an HTTPRoute APP at 100/0. */
import type { KubeObject } from "../../src/kube/kube-object.ts";

export const appService = (name: string, app: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { selector: { app }, ports: [{ port: 80 }] },
});

export function gatewayCanaryObjects(app: string): KubeObject[] {
  return [
    appService(`${app}-stable`, app),
    appService(`${app}-canary`, app),
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: app, namespace: "default" },
      spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: `${app}-stable`, port: 80, weight: 100 }, { name: `${app}-canary`, port: 80, weight: 0 }] }] },
    },
  ];
}

/** The canary strategy through that HTTPRoute. */
export const gatewayCanary = (app: string, extra: Record<string, unknown>) => ({
  canary: { stableService: `${app}-stable`, canaryService: `${app}-canary`, trafficRouting: { gatewayAPI: { httpRoute: app } }, ...extra },
});
