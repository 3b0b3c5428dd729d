/**
 * Flagger (flagger.app/v1beta1) Canary -> a sluice Rollout (canary for a weighted analysis, header routes and a
 * pause for an A/B test (`iterations` with `match`), blue-green for `iterations` alone; gate webhooks become
 * pauses, see flagger-webhooks.ts) plus what Flagger would have generated itself:
 * the stable and canary Services, the Istio VirtualService, and one AnalysisTemplate with the Canary's metrics
 * run as background analysis. Flagger reads the pod template from a Deployment (targetRef); sluice keeps it in
 * the Rollout, so the Deployment must be among the inputs (and is replaced by the Rollout).
 */
import { stringify } from "yaml";
import { durationToMs, formatDuration } from "../../api/duration.ts";
import { NOTIFICATIONS_CONFIGMAP, RECEIVERS_KEY } from "../../controller/notifications/receivers.ts";
import { SUBSCRIBE_ANNOTATION } from "../../controller/notifications/subscriptions.ts";
import { API_GROUP_VERSION } from "../../api/group.ts";
import { ROUTER_CAPABILITIES, ROUTERS_WITH } from "../../api/router-capabilities.ts";
import type { RouterType } from "../../api/traffic-routing.ts";
import { abTestSteps } from "./flagger-ab.ts";
import { CANARY_HASH_ARG, flaggerMetric, type FlaggerTarget, type MetricTemplateLookup, type TranslatedMetric } from "./flagger-metrics.ts";
import { gatedSteps, translateWebhooks, type ReleaseShape } from "./flagger-webhooks.ts";
import { asArray, asRecord, duration, Notes, type Json } from "./notes.ts";

export const FLAGGER_API_VERSION = "flagger.app/v1beta1";
/** Flagger's older API version: the same Canary (its analysis under the then-current name canaryAnalysis). */
export const FLAGGER_API_VERSIONS: readonly string[] = [FLAGGER_API_VERSION, "flagger.app/v1alpha3"];

export type DeploymentLookup = (name: string, namespace: string) => Json | undefined;

/** Flagger's own default provider is its --mesh-provider flag, istio unless installed otherwise. */
export const FLAGGER_DEFAULT_MESH_PROVIDER = "istio";

export type FlaggerImportOptions = {
  meshProvider?: string | undefined;
  /** Keep the target Deployment: the Rollout takes its template by workloadRef instead of inlining it. */
  keepDeployment?: boolean | undefined;
};

/**
 * Flagger's linear schedule (or explicit stepWeights), each weight held for one interval. Weights are out of
 * `fullWeight` (100 by default); sluice's are percentages, so they are scaled (rounded, with a note when that
 * changes a weight).
 */
export function flaggerSteps(analysis: Json, notes: Notes, path: string): Json[] {
  const interval = duration(analysis.interval ?? "1m");
  let weights: number[];
  if (Array.isArray(analysis.stepWeights)) weights = analysis.stepWeights.map(Number);
  else {
    const step = Number(analysis.stepWeight ?? 10);
    const max = Number(analysis.maxWeight ?? 50);
    weights = [];
    for (let w = step; w < max; w += step) weights.push(w);
    weights.push(max);
  }
  const full = Number(analysis.fullWeight ?? 100);
  if (full !== 100 && full > 0) {
    const exact = weights.map((w) => (w * 100) / full);
    weights = exact.map((w) => Math.round(w));
    if (exact.some((w) => !Number.isInteger(w))) notes.dropped(`${path}.fullWeight`, `weights out of ${full} are ${exact.map((w) => `${w}%`).join(", ")}; sluice weights are whole percentages, so ${weights.map((w) => `${w}%`).join(", ")} are used`);
    else notes.info(`${path}.fullWeight`, `weights out of ${full} become percentages: ${weights.map((w) => `${w}%`).join(", ")}`);
  }
  return weights.flatMap((w) => [{ setWeight: w }, { pause: { duration: interval } }]);
}

function routing(provider: string, canary: Json, name: string, notes: Notes): Json | undefined {
  if (provider === "istio") return { istio: { virtualService: { name, routes: ["primary"] } } };
  if (provider.startsWith("gatewayapi")) {
    // Flagger generates the HTTPRoute from spec.service.gatewayRefs; sluice does too (below) and owns its weights.
    return { gatewayAPI: { httpRoute: name } };
  }
  if (provider === "nginx") {
    const ingress = asRecord(canary.spec && asRecord(canary.spec).ingressRef);
    if (!ingress.name) {
      notes.dropped("spec.ingressRef", "provider nginx needs spec.ingressRef; traffic is split by replica count instead");
      return undefined;
    }
    return { nginx: { stableIngress: ingress.name } };
  }
  if (provider === "linkerd" || provider === "smi" || provider.startsWith("smi:")) return { smi: {} };
  if (provider === "kubernetes") return undefined;
  notes.dropped("spec.provider", `provider "${provider}" is not supported (istio, gatewayapi, nginx, linkerd/smi, kubernetes are); traffic is split by replica count instead`);
  return undefined;
}

function service(name: string, namespace: string, selector: Json, svc: Json, extraPorts: Json[]): Json {
  const port = Number(svc.port ?? 80);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { selector, ports: [{ name: String(svc.portName ?? "http"), port, targetPort: svc.targetPort ?? port }, ...extraPorts] },
  };
}

/**
 * portDiscovery: the pod template's other container ports, each exposed as itself, beside spec.service.port
 * (the one whose number or name is the targetPort is that port already).
 */
function discoveredPorts(template: Json, svc: Json): Json[] {
  const target = svc.targetPort ?? svc.port ?? 80;
  const mainName = String(svc.portName ?? "http");
  const seen = new Set<string>([mainName]);
  const out: Json[] = [];
  for (const container of asArray(asRecord(asRecord(template).spec).containers)) {
    for (const p of asArray(asRecord(container).ports).map(asRecord)) {
      const number = Number(p.containerPort);
      if (!Number.isInteger(number) || number === Number(target) || p.name === target) continue;
      const name = typeof p.name === "string" && p.name !== "" ? p.name : `tcp-${number}`;
      if (seen.has(name) || out.some((o) => o.port === number)) continue;
      seen.add(name);
      out.push({ name, port: number, targetPort: number, ...(p.protocol !== undefined ? { protocol: p.protocol } : {}) });
    }
  }
  return out;
}

function virtualService(name: string, namespace: string, svc: Json): Json {
  // Flagger always routes the apex host (the Service's own name) besides spec.service.hosts.
  const hosts = [name, ...asArray(svc.hosts).map(String).filter((h) => h !== name)];
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "VirtualService",
    metadata: { name, namespace },
    spec: {
      hosts,
      ...(svc.gateways ? { gateways: svc.gateways } : {}),
      http: [{ name: "primary", route: [{ destination: { host: name }, weight: 100 }, { destination: { host: `${name}-canary` }, weight: 0 }] }],
    },
  };
}

/** The HTTPRoute Flagger generates for provider gatewayapi: the gateways of spec.service.gatewayRefs, both backends. */
function httpRoute(name: string, namespace: string, svc: Json): Json {
  const port = Number(svc.port ?? 80);
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace },
    spec: {
      parentRefs: asArray(svc.gatewayRefs),
      ...(asArray(svc.hosts).length > 0 ? { hostnames: svc.hosts } : {}),
      rules: [{ backendRefs: [{ name, port, weight: 100 }, { name: `${name}-canary`, port, weight: 0 }] }],
    },
  };
}

const IGNORED_ANALYSIS: Record<string, string> = {
  alerts: "alerts are not sent by sluice; alert on its Events or metrics",
  sessionAffinity: "session affinity is not supported",
  canaryReadyThreshold: "not supported: the canary must be fully available",
  primaryReadyThreshold: "not supported: stable must be fully available",
};

/** Mirroring steps: Flagger copies each request to the canary ("Blue/Green mirroring", or a canary's first interval). */
function mirrorSteps(analysis: Json, hold: string | number): Json[] {
  const percentage = analysis.mirrorWeight !== undefined ? Number(analysis.mirrorWeight) : 100;
  return [{ setMirrorRoute: { name: "mirror", percentage, match: [{ path: { prefix: "/" } }] } }, { pause: { duration: hold } }];
}

export function translateFlaggerCanary(doc: Json, notes: Notes, deployments: DeploymentLookup, templates: MetricTemplateLookup, options: FlaggerImportOptions = {}): Json[] {
  const meta = asRecord(doc.metadata);
  const spec = asRecord(doc.spec);
  const name = String(meta.name ?? "");
  const namespace = String(meta.namespace ?? "default");
  const target = asRecord(spec.targetRef);
  const targetKind = String(target.kind ?? "Deployment");
  const targetName = String(target.name ?? name);
  if (targetKind !== "Deployment") {
    notes.dropped("spec.targetRef", `a ${targetKind} target has no sluice equivalent: a Rollout replaces a Deployment only (DaemonSets and Knative Services are not rolled out by sluice)`);
    return [];
  }
  const deployment = deployments(targetName, namespace);
  if (!deployment) {
    notes.dropped("spec.targetRef", `Deployment ${targetName} is not among the inputs; import its manifest together with the Canary (sluice keeps the pod template in the Rollout)`);
    return [];
  }
  const deploymentSpec = asRecord(deployment.spec);
  const selector = asRecord(asRecord(deploymentSpec.selector).matchLabels);
  const provider = String(spec.provider ?? options.meshProvider ?? FLAGGER_DEFAULT_MESH_PROVIDER);
  if (spec.provider === undefined) {
    notes.info(
      "spec.provider",
      `not set: Flagger then uses its --mesh-provider flag; assumed "${provider}"${options.meshProvider ? " (--mesh-provider)" : ", Flagger's default"}. If your Flagger runs with another, import with --mesh-provider NAME`,
    );
  }
  // spec.canaryAnalysis is the deprecated name of spec.analysis; Flagger still reads it.
  const analysisField = spec.analysis !== undefined ? "analysis" : spec.canaryAnalysis !== undefined ? "canaryAnalysis" : undefined;
  if (analysisField === "canaryAnalysis") notes.info("spec.canaryAnalysis", "the deprecated name of spec.analysis, read as Flagger does");
  const analysis = analysisField ? asRecord(spec[analysisField]) : {};
  const analysisPath = `spec.${analysisField ?? "analysis"}`;
  const svc = asRecord(spec.service);
  const serviceName = String(svc.name ?? targetName);
  const ingressName = asRecord(spec.ingressRef).name;
  const flaggerTarget: FlaggerTarget = { name: targetName, canaryName: name, namespace, provider, service: serviceName, ingress: ingressName === undefined ? undefined : String(ingressName) };

  const knownAnalysis = ["interval", "threshold", "maxWeight", "stepWeight", "stepWeights", "fullWeight", "metrics", "stepWeightPromotion", "iterations", "webhooks", "match", "mirror", "mirrorWeight"];
  for (const key of Object.keys(analysis)) {
    const reason = IGNORED_ANALYSIS[key];
    if (reason) notes.dropped(`${analysisPath}.${key}`, reason);
    else if (!knownAnalysis.includes(key)) notes.dropped(`${analysisPath}.${key}`, "no sluice equivalent");
  }
  if (analysis.stepWeightPromotion !== undefined) notes.dropped(`${analysisPath}.stepWeightPromotion`, "sluice promotes in one step after the last step");
  if (spec.skipAnalysis === true) notes.dropped("spec.skipAnalysis", "use `sluice promote --full` for a release that skips analysis");
  for (const key of ["autoscalerRef", "revertOnDeletion", "upstreamRef", "routerRef"]) {
    if (spec[key] !== undefined) notes.dropped(`spec.${key}`, key === "autoscalerRef" ? "point the HorizontalPodAutoscaler at the Rollout (it has a scale subresource)" : "no sluice equivalent");
  }
  for (const key of ["retries", "timeout", "trafficPolicy", "corsPolicy", "headers", "match", "rewrite", "apex", "primary", "canary", "backends"]) {
    if (svc[key] !== undefined) notes.dropped(`spec.service.${key}`, "set it on the generated route object by hand (sluice only changes weights)");
  }
  const extraPorts = svc.portDiscovery === true ? discoveredPorts(asRecord(deploymentSpec.template), svc) : [];
  if (svc.portDiscovery === true) {
    notes.info("spec.service.portDiscovery", extraPorts.length > 0 ? `the generated Services also expose the pod template's other container ports: ${extraPorts.map((p) => String(p.port)).join(", ")}` : "the pod template has no other container ports to expose");
  }
  if (svc.delegation !== undefined) {
    notes.dropped("spec.service.delegation", "a delegate VirtualService (no hosts, for a parent's delegate) is not generated; the VirtualService below carries hosts, so set it up as a delegate by hand");
  }
  if (svc.gatewayRefs !== undefined && !provider.startsWith("gatewayapi")) {
    notes.dropped("spec.service.gatewayRefs", "only used with provider gatewayapi; set it on the generated route object by hand");
  }

  const failureLimit = Math.max(0, Number(analysis.threshold ?? 1) - 1);
  const interval = duration(analysis.interval ?? "1m");
  // Flagger's blue/green: `iterations` checks at `interval` against the new version, then the switch; with
  // `match` as well, an A/B test: the matching requests go to the new version meanwhile; with `mirror`, every
  // request is copied to the new version meanwhile.
  const iterations = analysis.iterations !== undefined ? Number(analysis.iterations) : undefined;
  const mirrored = analysis.mirror === true;
  const weighted = iterations === undefined || asArray(analysis.match).length > 0 || mirrored;
  const trafficRouting = weighted ? routing(provider, doc, serviceName, notes) : undefined;
  const router = trafficRouting ? (Object.keys(trafficRouting)[0] as RouterType) : undefined;
  const canMirror = router !== undefined && ROUTER_CAPABILITIES[router].mirrorRoutes;
  if (mirrored && !canMirror) notes.dropped(`${analysisPath}.mirror`, `traffic mirroring needs a router that mirrors (${ROUTERS_WITH("mirrorRoutes")}); ${iterations !== undefined ? "the Canary becomes a blue-green rollout" : "the canary starts without it"}`);
  const abSteps = iterations !== undefined && asArray(analysis.match).length > 0 ? abTestSteps(analysis, router, notes) : undefined;
  const holdIterations = formatDuration((durationToMs(interval as string | number) ?? 60_000) * (iterations ?? 1));
  const blueGreenMirror = iterations !== undefined && !abSteps && mirrored && canMirror ? [{ setCanaryScale: { weight: 100 } }, ...mirrorSteps(analysis, holdIterations)] : undefined;
  const shape: ReleaseShape = iterations === undefined ? "canary" : abSteps || blueGreenMirror ? "ab-test" : "blue-green";
  const { gates, hooks } = translateWebhooks(analysis, { shape, target: targetName, canaryName: name, namespace, interval, failureLimit }, notes);
  const translated = asArray(analysis.metrics)
    .map((m, i) => flaggerMetric(m, `${analysisPath}.metrics[${i}]`, notes, flaggerTarget, failureLimit, String(analysis.interval ?? "1m"), templates))
    .filter((m): m is TranslatedMetric => m !== undefined);
  // Rollout and rollback hooks are checks beside the metrics (hooks first, as Flagger calls them before the
  // metric checks); a blue-green's pre-rollout hooks too, once (count 1), in its pre-promotion analysis.
  const metrics = [...hooks.everyInterval, ...translated.map((t) => t.metric)].map((m) => (iterations !== undefined && m.count === undefined ? { ...m, count: iterations } : m));
  const preRolloutTemplate = `${name}-pre-rollout`;
  const usesCanaryHash = translated.some((t) => t.usesCanaryHash);
  const templateName = `${name}-analysis`;
  const analysisRef =
    metrics.length > 0
      ? { templates: [{ templateName }], ...(usesCanaryHash ? { args: [{ name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: "Latest" } }] } : {}) }
      : undefined;
  let steps: Json[];
  if (analysisField === undefined) {
    // Without an analysis Flagger promotes a new revision at once: no steps.
    notes.info("spec.analysis", "not set: Flagger promotes at once, so the Rollout has no steps (a new revision goes straight to 100%)");
    steps = [];
  } else {
    const weightSteps = flaggerSteps(analysis, notes, analysisPath);
    // A canary with mirror: the first interval mirrors traffic to the canary before any live traffic shifts.
    const preStage = iterations === undefined && mirrored && canMirror
      ? [{ setCanaryScale: { weight: Number(asRecord(weightSteps[0]).setWeight ?? 10) } }, ...mirrorSteps(analysis, interval as string | number), { setMirrorRoute: { name: "mirror" } }, { setCanaryScale: { matchTrafficWeight: true } }]
      : [];
    // Pre-rollout hooks: an analysis step before any traffic reaches the canary.
    const preRollout = hooks.beforeTraffic.length > 0 ? [{ analysis: { templates: [{ templateName: preRolloutTemplate }] } }] : [];
    steps = gatedSteps([...preRollout, ...(abSteps ?? blueGreenMirror ?? [...preStage, ...weightSteps])], gates);
  }
  // The background checks start where traffic does: before it (a gate, the pre-rollout step) the canary serves
  // nothing, so every query would be inconclusive.
  const firstTraffic = steps.findIndex((s) => s.pause === undefined && s.analysis === undefined);
  const startingStep = firstTraffic > 0 ? { startingStep: firstTraffic } : {};
  const strategy =
    shape === "blue-green"
      ? {
          blueGreen: {
            activeService: serviceName,
            previewService: `${serviceName}-canary`,
            ...(gates.beforePromotion ? { autoPromotionEnabled: false } : {}),
            ...(analysisRef ? { prePromotionAnalysis: analysisRef } : {}),
          },
        }
      : {
          canary: {
            stableService: serviceName,
            canaryService: `${serviceName}-canary`,
            ...(trafficRouting ? { trafficRouting } : {}),
            steps,
            ...(analysisRef ? { analysis: { ...analysisRef, ...startingStep } } : {}),
          },
        };

  // Flagger scales its target to 0 once the primary is ready: with the Deployment kept, scaleDown onsuccess.
  const podSource = options.keepDeployment
    ? { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: targetName, scaleDown: "onsuccess" } }
    : { template: deploymentSpec.template };
  const rollout: Json = {
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: {
      name: targetName,
      namespace,
      ...(asRecord(deployment.metadata).labels ? { labels: asRecord(deployment.metadata).labels } : {}),
      ...(hooks.receivers.length > 0 ? { annotations: { [SUBSCRIBE_ANNOTATION]: hooks.receivers.map((r) => `${String(r.receiver.name)}${r.events ? `:${r.events.join("|")}` : ""}`).join(",") } } : {}),
    },
    spec: {
      replicas: deploymentSpec.replicas ?? 1,
      selector: deploymentSpec.selector,
      ...podSource,
      ...(spec.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: spec.progressDeadlineSeconds } : {}),
      ...(spec.suspend === true ? { paused: true } : {}),
      strategy,
    },
  };
  notes.info(
    "spec.targetRef",
    options.keepDeployment
      ? `Deployment ${targetName} stays: Rollout ${targetName} takes its pod template (workloadRef) and scales it to 0 once Healthy, as Flagger scales its target; keep changing the Deployment's template to release`
      : `Deployment ${targetName} becomes Rollout ${targetName}; delete the Deployment once the Rollout is Healthy (or import with --keep-deployment to keep it)`,
  );
  const objects: Json[] = [rollout, service(serviceName, namespace, selector, svc, extraPorts), service(`${serviceName}-canary`, namespace, selector, svc, extraPorts)];
  if (router === "istio") objects.push(virtualService(serviceName, namespace, svc));
  if (router === "gatewayAPI") objects.push(httpRoute(serviceName, namespace, svc));
  if (metrics.length > 0) {
    objects.push({
      apiVersion: API_GROUP_VERSION,
      kind: "AnalysisTemplate",
      metadata: { name: templateName, namespace },
      spec: { ...(usesCanaryHash ? { args: [{ name: CANARY_HASH_ARG }] } : {}), metrics },
    });
  }
  if (hooks.receivers.length > 0) {
    // One ConfigMap per namespace: applying it replaces one already there, so the note says to merge.
    objects.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: NOTIFICATIONS_CONFIGMAP, namespace },
      data: { [RECEIVERS_KEY]: stringify(hooks.receivers.map((r) => r.receiver)) },
    });
    notes.info("spec.analysis.webhooks", `the notification receivers are in ConfigMap ${namespace}/${NOTIFICATIONS_CONFIGMAP}; if the namespace has one already, add them to its receivers instead of applying this one`);
  }
  if (hooks.beforeTraffic.length > 0) {
    objects.push({ apiVersion: API_GROUP_VERSION, kind: "AnalysisTemplate", metadata: { name: preRolloutTemplate, namespace }, spec: { metrics: hooks.beforeTraffic } });
  }
  return objects;
}
