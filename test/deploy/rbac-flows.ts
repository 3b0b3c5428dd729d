/**
 * What the RBAC end-to-end test asks of the controller, one namespace per flow so they run at once: a canary
 * through each router the ClusterRole names (Gateway API, ingress-nginx, Istio by host and by subsets, SMI),
 * blue-green, analysis (Prometheus with a bearer token from a Secret, a ClusterAnalysisTemplate, the job provider,
 * run history limits, a run terminated while its Job runs, a background run stopped at promotion), workloadRef,
 * ephemeral metadata and notifications.
 * Every flow drives its Rollout as a user would (kubectl's writes, through the superuser's client) and waits for
 * the outcome the controller must reach.
 */
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeClient, KubeObject } from "../../src/kube/kube-client.ts";
import { gatewayCanary, gatewayCanaryObjects } from "../helpers/gateway-fixtures.ts";
import { providers } from "../helpers/router-providers.ts";
import { waitFor as waitForValue } from "../helpers/wait-for.ts";

export type FlowContext = {
  kube: KubeClient;
  /** A URL the controller can POST notifications to (a local receiver counting them). */
  hookUrl: string;
  /** How many notifications the receiver got for Rollout `name`. */
  notificationsFor(name: string): number;
  /**
   * The one namespace every flow runs in (a namespaced controller's, existing already); without it each flow
   * creates a namespace of its own. Flows name their objects apart, so they share a namespace without clashing.
   */
  namespace?: string;
};

type Status = { phase?: string; stableRS?: string; currentPodHash?: string; canary?: { currentStepAnalysisRun?: string } };


const waitFor = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> => waitForValue(what, check, timeoutMs, 100);

const inNamespace = (obj: KubeObject, namespace: string): KubeObject => ({ ...obj, metadata: { ...obj.metadata, namespace } });
const rolloutRef = (namespace: string, name: string) => ({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace, name });
const statusOf = async (kube: KubeClient, namespace: string, name: string): Promise<Status> => ((await kube.get(rolloutRef(namespace, name)))?.status ?? {}) as Status;

function rollout(namespace: string, name: string, strategy: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: `acme/${name}:1` }] } },
      strategy,
      ...extra,
    },
  };
}

const service = (namespace: string, name: string, app: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { selector: { app }, ports: [{ port: 80 }] },
});

/** Healthy, then `image` rolled out to Healthy on a new stable ReplicaSet; returns the new stable hash. */
async function rollToHealthy(kube: KubeClient, namespace: string, name: string, image: string): Promise<string> {
  const before = await waitFor(`${namespace}/${name} Healthy`, async () => {
    const s = await statusOf(kube, namespace, name);
    return s.phase === "Healthy" && s.stableRS ? s.stableRS : undefined;
  });
  await kube.mergePatch(rolloutRef(namespace, name), { spec: { template: { spec: { containers: [{ name: "app", image }] } } } });
  return waitFor(`${namespace}/${name} Healthy on ${image}`, async () => {
    const s = await statusOf(kube, namespace, name);
    return s.phase === "Healthy" && s.stableRS && s.stableRS !== before ? s.stableRS : undefined;
  });
}

async function deleteRollout(kube: KubeClient, namespace: string, name: string): Promise<void> {
  await kube.delete(rolloutRef(namespace, name));
  await waitFor(`${namespace}/${name} deleted`, async () => ((await kube.get(rolloutRef(namespace, name))) ? undefined : true));
}

/** The flow's namespace: the shared one, or `own` created for it. */
async function namespace({ kube, namespace: shared }: FlowContext, own: string): Promise<string> {
  if (shared !== undefined) return shared;
  await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: own } });
  return own;
}

/** Gateway API canary with canary/stable metadata on the pods and a notification subscription; deleted at the end. */
async function gateway(ctx: FlowContext): Promise<void> {
  const { kube, notificationsFor } = ctx;
  const ns = await namespace(ctx, "rbac-gateway");
  for (const obj of gatewayCanaryObjects("shop")) await kube.create(inNamespace(obj, ns));
  const r = rollout(ns, "shop", gatewayCanary("shop", {
    steps: [{ setWeight: 50 }, { pause: { duration: 1 } }],
    canaryMetadata: { labels: { role: "canary" } },
    stableMetadata: { labels: { role: "stable" } },
  }));
  r.metadata.annotations = { "notifications.sluice.dev/subscribe": "team" };
  await kube.create(r);
  await rollToHealthy(kube, ns, "shop", "acme/shop:2");
  await waitFor("a notification delivered", async () => (notificationsFor("shop") > 0 ? true : undefined));
  await deleteRollout(kube, ns, "shop");
}

/** A canary through one of the other routers, then deleted (the router's objects restored or collected). */
function router(index: number): (ctx: FlowContext) => Promise<void> {
  return async (ctx) => {
    const { kube } = ctx;
    const provider = providers[index];
    if (!provider) throw new Error(`no router provider ${index}`);
    const ns = await namespace(ctx, `rbac-router-${index}`);
    for (const name of ["shop-stable", "shop-canary"]) await kube.create(service(ns, name, "shop"));
    for (const obj of provider.userObjects()) await kube.create(inNamespace(obj, ns));
    await kube.create(rollout(ns, "shop", {
      canary: { stableService: "shop-stable", canaryService: "shop-canary", trafficRouting: provider.trafficRouting, steps: [{ setWeight: 20 }, { pause: { duration: 1 } }, { setWeight: 60 }] },
    }));
    await rollToHealthy(kube, ns, "shop", "acme/shop:2");
    await deleteRollout(kube, ns, "shop");
  };
}

/** Blue-green with a pre-promotion analysis from a ClusterAnalysisTemplate and preview/active pod metadata. */
async function blueGreen(ctx: FlowContext): Promise<void> {
  const { kube } = ctx;
  const ns = await namespace(ctx, "rbac-bluegreen");
  await kube.create(service(ns, "bill", "bill"));
  await kube.create(service(ns, "bill-preview", "bill"));
  await kube.create(rollout(ns, "bill", {
    blueGreen: {
      activeService: "bill",
      previewService: "bill-preview",
      autoPromotionEnabled: true,
      scaleDownDelaySeconds: 1,
      prePromotionAnalysis: { templates: [{ templateName: "rbac-cluster-check", clusterScope: true }] },
      previewMetadata: { labels: { role: "preview" } },
      activeMetadata: { labels: { role: "active" } },
    },
  }));
  await rollToHealthy(kube, ns, "bill", "acme/bill:2");
}

const jobMetric = (name: string, script: string) => ({
  name,
  provider: { job: { spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name, image: "node:22", command: [process.execPath, "-e", script] }] } } } } },
});

/**
 * Step analysis with Prometheus (bearer token from a Secret) and a job metric, over four revisions with run
 * history limits of 1 and revisionHistoryLimit 1 (old runs and ReplicaSets deleted); then a run terminated
 * while its Job runs (the Job deleted).
 */
async function analysis(ctx: FlowContext): Promise<void> {
  const { kube } = ctx;
  const ns = await namespace(ctx, "rbac-analysis");
  await kube.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "prom-creds", namespace: ns }, stringData: { token: "prom-s3cret" } } as KubeObject);
  await kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "checks", namespace: ns },
    spec: {
      metrics: [
        { name: "errors", successCondition: { max: 0.01 }, provider: { prometheus: { query: "errors", authentication: { bearerTokenSecretRef: { name: "prom-creds", key: "token" } } } } },
        jobMetric("smoke", "process.exit(0)"),
      ],
    },
  });
  await kube.create(rollout(ns, "pay", { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "checks" }] } }] } }, {
    revisionHistoryLimit: 1,
    analysis: { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 1 },
  }));
  for (const v of [2, 3, 4]) await rollToHealthy(kube, ns, "pay", `acme/pay:${v}`);
  const runs = () => kube.list(API_GROUP_VERSION, "AnalysisRun", ns, "sluice.dev/rollout=pay");
  await waitFor("finished runs beyond the history limit deleted", async () => ((await runs()).length <= 2 ? true : undefined));
  await waitFor("old ReplicaSets beyond revisionHistoryLimit deleted", async () => ((await kube.list("apps/v1", "ReplicaSet", ns, "sluice.dev/rollout=pay")).length <= 2 ? true : undefined));

  await kube.create({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", metadata: { name: "long-check", namespace: ns }, spec: { metrics: [jobMetric("soak", "setTimeout(() => {}, 60000)")] } });
  const job = { apiVersion: "batch/v1", kind: "Job", namespace: ns, name: "long-check-soak-1" };
  await waitFor("the long Job running", async () => (((await kube.get(job))?.status as { active?: number } | undefined)?.active === 1 ? true : undefined));
  await kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: ns, name: "long-check" }, { spec: { terminate: true } });
  await waitFor("the terminated run's Job deleted", async () => ((await kube.get(job)) ? undefined : true));
}

/** A background analysis that never ends by itself: stopped (spec.terminate) once the revision is promoted. */
async function backgroundAnalysis(ctx: FlowContext): Promise<void> {
  const { kube } = ctx;
  const ns = await namespace(ctx, "rbac-background");
  await kube.create(rollout(ns, "feed", {
    canary: { analysis: { templates: [{ templateName: "rbac-background", clusterScope: true }] }, steps: [{ setWeight: 50 }, { pause: { duration: 2 } }] },
  }));
  await rollToHealthy(kube, ns, "feed", "acme/feed:2");
  await waitFor("the background run stopped", async () => {
    const runs = await kube.list(API_GROUP_VERSION, "AnalysisRun", ns, "sluice.dev/rollout=feed");
    return runs.length > 0 && runs.every((r) => (r.spec as { terminate?: boolean }).terminate === true) ? true : undefined;
  });
}

/** spec.workloadRef: the Rollout takes over a Deployment, scaling it down as its own pods come up. */
async function workloadRef(ctx: FlowContext): Promise<void> {
  const { kube } = ctx;
  const ns = await namespace(ctx, "rbac-workload");
  await kube.create({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "cart", namespace: ns },
    spec: { replicas: 2, selector: { matchLabels: { app: "cart" } }, template: { metadata: { labels: { app: "cart" } }, spec: { containers: [{ name: "app", image: "acme/cart:1" }] } } },
  });
  await kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "cart", namespace: ns },
    spec: { replicas: 2, selector: { matchLabels: { app: "cart" } }, workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "cart", scaleDown: "progressively" }, strategy: { canary: { steps: [{ setWeight: 50 }] } } },
  });
  await waitFor("the Deployment scaled to 0", async () => {
    const d = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name: "cart" });
    return (d?.spec as { replicas?: number } | undefined)?.replicas === 0 ? true : undefined;
  });
}

export const FLOWS: Record<string, (ctx: FlowContext) => Promise<void>> = {
  "Gateway API canary, pod metadata, notifications": gateway,
  ...Object.fromEntries(providers.map((p, i) => [`canary through ${p.name}`, router(i)])),
  "blue-green with a ClusterAnalysisTemplate": blueGreen,
  "analysis: Prometheus with a Secret, jobs, history limits": analysis,
  "background analysis stopped at promotion": backgroundAnalysis,
  workloadRef,
};

/**
 * The flows that can share one namespace (a namespaced controller's): every one but the other routers', whose
 * fixtures all name their Rollout `shop` as the Gateway API flow does.
 */
export const SHARED_NAMESPACE_FLOWS = Object.fromEntries(Object.entries(FLOWS).filter(([name]) => !name.startsWith("canary through ")));

/** Objects the flows share, created before the controller starts: the ClusterAnalysisTemplate and the notification receivers. */
export function sharedObjects(hookUrl: string, controllerNamespace: string): KubeObject[] {
  return [
    {
      apiVersion: API_GROUP_VERSION,
      kind: "ClusterAnalysisTemplate",
      metadata: { name: "rbac-cluster-check" },
      spec: { metrics: [{ name: "errors", successCondition: { max: 0.01 }, provider: { prometheus: { query: "errors" } } }] },
    },
    {
      apiVersion: API_GROUP_VERSION,
      kind: "ClusterAnalysisTemplate",
      metadata: { name: "rbac-background" },
      spec: { metrics: [{ name: "errors", interval: "1s", successCondition: { max: 0.01 }, provider: { prometheus: { query: "errors" } } }] },
    },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "hooks", namespace: controllerNamespace }, stringData: { url: hookUrl } } as KubeObject,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "sluice-notifications", namespace: controllerNamespace },
      data: { receivers: JSON.stringify([{ name: "team", webhook: { url: { valueFrom: { secretKeyRef: { name: "hooks", key: "url" } } } } }]) },
    } as KubeObject,
  ];
}
