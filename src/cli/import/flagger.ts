/**
 * Flagger (flagger.app/v1beta1) Canary -> a sluice Rollout (canary for a weighted analysis, header routes and a
 * pause for an A/B test (`iterations` with `match`), blue-green for `iterations` alone; gate webhooks become
 * pauses, see flagger-webhooks.ts) plus what Flagger would have generated itself:
 * the stable and canary Services, the Istio VirtualService, and one AnalysisTemplate with the Canary's metrics
 * run as background analysis. Flagger reads the pod template from a Deployment (targetRef); sluice keeps it in
 * the Rollout, so the Deployment must be among the inputs (and is replaced by the Rollout).
 */
import { API_GROUP_VERSION } from "../../api/group.ts";
import type { RouterType } from "../../api/traffic-routing.ts";
import { abTestSteps } from "./flagger-ab.ts";
import { flaggerMetric, type FlaggerTarget, type MetricTemplateLookup } from "./flagger-metrics.ts";
import { gatedSteps, translateWebhooks, type ReleaseShape } from "./flagger-webhooks.ts";
import { asArray, asRecord, duration, Notes, type Json } from "./notes.ts";

export const FLAGGER_API_VERSION = "flagger.app/v1beta1";

export type DeploymentLookup = (name: string, namespace: string) => Json | undefined;

/** Flagger's linear schedule (or explicit stepWeights), each weight held for one interval. */
export function flaggerSteps(analysis: Json): Json[] {
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
  return weights.flatMap((w) => [{ setWeight: w }, { pause: { duration: interval } }]);
}

function routing(provider: string, canary: Json, name: string, notes: Notes): Json | undefined {
  if (provider === "istio") return { istio: { virtualService: { name, routes: ["primary"] } } };
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
  notes.dropped("spec.provider", `provider "${provider}" is not supported (istio, nginx, linkerd/smi, kubernetes are); traffic is split by replica count instead`);
  return undefined;
}

function service(name: string, namespace: string, selector: Json, svc: Json): Json {
  const port = Number(svc.port ?? 80);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { selector, ports: [{ name: String(svc.portName ?? "http"), port, targetPort: svc.targetPort ?? port }] },
  };
}

function virtualService(name: string, namespace: string, svc: Json): Json {
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "VirtualService",
    metadata: { name, namespace },
    spec: {
      hosts: asArray(svc.hosts).length > 0 ? svc.hosts : [name],
      ...(svc.gateways ? { gateways: svc.gateways } : {}),
      http: [{ name: "primary", route: [{ destination: { host: name }, weight: 100 }, { destination: { host: `${name}-canary` }, weight: 0 }] }],
    },
  };
}

const IGNORED_ANALYSIS: Record<string, string> = {
  alerts: "alerts are not sent by sluice; alert on its Events or metrics",
  mirror: "traffic mirroring is not translated; use a setMirrorRoute step",
  mirrorWeight: "traffic mirroring is not translated; use a setMirrorRoute step",
  sessionAffinity: "session affinity is not supported",
  canaryReadyThreshold: "not supported: the canary must be fully available",
  primaryReadyThreshold: "not supported: stable must be fully available",
};

export function translateFlaggerCanary(doc: Json, notes: Notes, deployments: DeploymentLookup, templates: MetricTemplateLookup): Json[] {
  const meta = asRecord(doc.metadata);
  const spec = asRecord(doc.spec);
  const name = String(meta.name ?? "");
  const namespace = String(meta.namespace ?? "default");
  const target = asRecord(spec.targetRef);
  const targetName = String(target.name ?? name);
  const deployment = deployments(targetName, namespace);
  if (!deployment || target.kind !== "Deployment") {
    notes.dropped("spec.targetRef", `${String(target.kind ?? "Deployment")} ${targetName} is not among the inputs; import its manifest together with the Canary (sluice keeps the pod template in the Rollout)`);
    return [];
  }
  const deploymentSpec = asRecord(deployment.spec);
  const selector = asRecord(asRecord(deploymentSpec.selector).matchLabels);
  const provider = String(spec.provider ?? "kubernetes");
  const analysis = asRecord(spec.analysis);
  const svc = asRecord(spec.service);
  const serviceName = String(svc.name ?? targetName);
  const flaggerTarget: FlaggerTarget = { name: targetName, namespace, provider };

  for (const key of Object.keys(analysis)) {
    const reason = IGNORED_ANALYSIS[key];
    if (reason) notes.dropped(`spec.analysis.${key}`, reason);
    else if (!["interval", "threshold", "maxWeight", "stepWeight", "stepWeights", "metrics", "stepWeightPromotion", "iterations", "webhooks", "match"].includes(key)) notes.dropped(`spec.analysis.${key}`, "no sluice equivalent");
  }
  if (analysis.stepWeightPromotion !== undefined) notes.dropped("spec.analysis.stepWeightPromotion", "sluice promotes in one step after the last step");
  for (const key of ["autoscalerRef", "skipAnalysis", "revertOnDeletion", "upstreamRef", "routerRef"]) {
    if (spec[key] !== undefined) notes.dropped(`spec.${key}`, key === "autoscalerRef" ? "point the HorizontalPodAutoscaler at the Rollout (it has a scale subresource)" : key === "skipAnalysis" ? "use `sluice promote --full` for a release that skips analysis" : "no sluice equivalent");
  }
  for (const key of ["retries", "timeout", "trafficPolicy", "corsPolicy", "headers", "match", "rewrite", "gatewayRefs", "apex", "primary", "canary", "backends"]) {
    if (svc[key] !== undefined) notes.dropped(`spec.service.${key}`, "set it on the generated route object by hand (sluice only changes weights)");
  }

  const failureLimit = Math.max(0, Number(analysis.threshold ?? 1) - 1);
  // Flagger's blue/green: `iterations` checks at `interval` against the new version, then the switch; with
  // `match` as well, an A/B test: the matching requests go to the new version meanwhile.
  const iterations = analysis.iterations !== undefined ? Number(analysis.iterations) : undefined;
  const weighted = iterations === undefined || asArray(analysis.match).length > 0;
  const trafficRouting = weighted ? routing(provider, doc, serviceName, notes) : undefined;
  const router = trafficRouting ? (Object.keys(trafficRouting)[0] as RouterType) : undefined;
  const abSteps = iterations !== undefined && weighted ? abTestSteps(analysis, router, notes) : undefined;
  const shape: ReleaseShape = iterations === undefined ? "canary" : abSteps ? "ab-test" : "blue-green";
  const gates = translateWebhooks(analysis, shape, targetName, notes);
  const metrics = asArray(analysis.metrics)
    .map((m, i) => flaggerMetric(m, `spec.analysis.metrics[${i}]`, notes, flaggerTarget, failureLimit, templates))
    .filter((m): m is Json => m !== undefined)
    .map((m) => (iterations !== undefined ? { ...m, count: iterations } : m));
  const templateName = `${name}-analysis`;
  const analysisRef = metrics.length > 0 ? { templates: [{ templateName }] } : undefined;
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
            steps: gatedSteps(abSteps ?? flaggerSteps(analysis), gates),
            ...(analysisRef ? { analysis: analysisRef } : {}),
          },
        };

  const rollout: Json = {
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: targetName, namespace, ...(asRecord(deployment.metadata).labels ? { labels: asRecord(deployment.metadata).labels } : {}) },
    spec: {
      replicas: deploymentSpec.replicas ?? 1,
      selector: deploymentSpec.selector,
      template: deploymentSpec.template,
      ...(spec.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: spec.progressDeadlineSeconds } : {}),
      ...(spec.suspend === true ? { paused: true } : {}),
      strategy,
    },
  };
  notes.info("spec.targetRef", `Deployment ${targetName} becomes Rollout ${targetName}; delete the Deployment once the Rollout is Healthy`);
  const objects: Json[] = [rollout, service(serviceName, namespace, selector, svc), service(`${serviceName}-canary`, namespace, selector, svc)];
  if (provider === "istio" && shape !== "blue-green") objects.push(virtualService(serviceName, namespace, svc));
  if (metrics.length > 0) objects.push({ apiVersion: API_GROUP_VERSION, kind: "AnalysisTemplate", metadata: { name: templateName, namespace }, spec: { metrics } });
  return objects;
}
