/**
 * Argo Rollouts (argoproj.io/v1alpha1) Rollout, AnalysisTemplate and ClusterAnalysisTemplate -> sluice.
 * sluice's API follows Argo's where the behaviour is the same, so most fields carry over as they are; the
 * rest is reported field by field.
 */
import { API_GROUP_VERSION } from "../../api/group.ts";
import { translateCondition } from "./argo-conditions.ts";
import { asArray, asRecord, duration, isRecord, Notes, same, translateFields, type Json } from "./notes.ts";

export const ARGO_API_VERSION = "argoproj.io/v1alpha1";

/** Ephemeral metadata: the same {labels, annotations} in sluice. */
const podMetadata = (path: string, notes: Notes) => (value: unknown): Json => translateFields(asRecord(value), path, notes, { labels: same, annotations: same });

/** spec.analysis: the run history limits carry over. */
const runHistory = (value: unknown, notes: Notes): Json =>
  translateFields(asRecord(value), "spec.analysis", notes, { successfulRunHistoryLimit: same, unsuccessfulRunHistoryLimit: same });

function analysisRef(value: unknown, path: string, notes: Notes): Json {
  const source = { ...asRecord(value) };
  // Argo's first form, still in its rollout-with-analysis.yaml: {name, templateName} for one template.
  if (source.templateName !== undefined && source.templates === undefined) {
    notes.info(`${path}.templateName`, "Argo's old single-template form; written as templates: [{templateName}]");
    source.templates = [{ templateName: source.templateName }];
    delete source.templateName;
    if (source.name !== undefined) {
      notes.info(`${path}.name`, "not needed: sluice names AnalysisRuns itself");
      delete source.name;
    }
  }
  return translateFields(source, path, notes, {
    templates: (templates) =>
      asArray(templates).map((t, i) => translateFields(asRecord(t), `${path}.templates[${i}]`, notes, { templateName: same, clusterScope: same })),
    args: (args) => asArray(args).map((a, i) => rolloutArg(a, `${path}.args[${i}]`, notes)),
    startingStep: same,
  }, {
    dryRun: { severity: "dropped", message: "set dryRun on the metric in the AnalysisTemplate instead" },
    measurementRetention: { severity: "dropped", message: "set measurementRetention on the metric in the AnalysisTemplate instead" },
    analysisRunMetadata: { severity: "dropped", message: "AnalysisRuns carry sluice's own labels only" },
  });
}

function rolloutArg(value: unknown, path: string, notes: Notes): Json {
  return translateFields(asRecord(value), path, notes, {
    name: same,
    value: same,
    valueFrom: (from) =>
      translateFields(asRecord(from), `${path}.valueFrom`, notes, {
        podTemplateHashValue: same,
        fieldRef: same,
        secretKeyRef: same,
      }),
  });
}

/**
 * One Argo step. A step that carries several actions (Argo's apisix example sets the canary scale and a header
 * route in one) becomes one sluice step per action, in the order written: sluice steps set one field each.
 */
function steps(value: unknown, path: string, notes: Notes, weightScale: number): Json[] {
  const source = { ...asRecord(value) };
  // "- pause:\n  duration: 1h" (duration at the step's indentation, as in Argo's own
  // example-rollout-canary-run-tmp-canary.yaml) is a step with `pause: null` and a field Argo's API server
  // prunes: Argo then pauses until promoted. So does the translation, and the stray field is reported.
  if ("pause" in source && source.pause === null && "duration" in source) {
    notes.dropped(`${path}.duration`, `not a field of a step: Argo's API server drops it, so this pause waits for promote (as it does in Argo); to pause for ${String(source.duration)}, indent duration under pause`);
    delete source.duration;
  }
  if ("pause" in source && source.pause === null) source.pause = {};
  const actions = Object.keys(source);
  if (actions.length <= 1) {
    const one = step(source, path, notes, weightScale);
    return one ? [one] : [];
  }
  notes.info(path, `one Argo step with ${actions.join(" and ")} becomes ${actions.length} sluice steps in that order (a sluice step does one thing)`);
  return actions.flatMap((action) => {
    const one = step({ [action]: source[action] }, path, notes, weightScale);
    return one ? [one] : [];
  });
}

function step(value: unknown, path: string, notes: Notes, weightScale: number): Json | undefined {
  const source = asRecord(value);
  if ("experiment" in source) {
    notes.dropped(`${path}.experiment`, "experiments are not supported; the step is left out (use an analysis step against the canary)");
    return undefined;
  }
  if ("plugin" in source) {
    notes.dropped(`${path}.plugin`, "step plugins are not supported; the step is left out");
    return undefined;
  }
  return translateFields(source, path, notes, {
    setWeight: (w) => scaledWeight(w, weightScale, `${path}.setWeight`, notes),
    pause: (p) => translateFields(asRecord(p), `${path}.pause`, notes, { duration }),
    analysis: (a) => analysisRef(a, `${path}.analysis`, notes),
    setCanaryScale: same,
    setHeaderRoute: same,
    setMirrorRoute: same,
  });
}

/**
 * Argo's trafficRouting.maxTrafficWeight is the total its weights are out of (100 by default); sluice's are
 * percentages, so a weight w of M becomes 100·w/M.
 */
function scaledWeight(value: unknown, scale: number, path: string, notes: Notes): unknown {
  if (scale === 1 || typeof value !== "number") return value;
  const percent = value * scale;
  if (!Number.isInteger(percent)) {
    const rounded = Math.round(percent);
    notes.dropped(path, `${value} of maxTrafficWeight is ${percent.toFixed(2)}%; sluice weights are whole percentages, so ${rounded}% is used`);
    return rounded;
  }
  return percent;
}

function trafficRouting(value: unknown, path: string, notes: Notes): Json | undefined {
  const source = asRecord(value);
  const out: Json = {};
  for (const [key, router] of Object.entries(source)) {
    const at = `${path}.${key}`;
    if (key === "maxTrafficWeight") {
      notes.info(at, `weights are out of ${String(router)} in Argo and percentages in sluice: each setWeight is scaled to percent`);
      continue;
    }
    if (key === "istio") {
      const istio = asRecord(router);
      const services = istio.virtualServices !== undefined ? asArray(istio.virtualServices) : [istio.virtualService];
      if (services.length > 1) notes.dropped(`${at}.virtualServices`, `sluice routes through one VirtualService; only "${String(asRecord(services[0]).name)}" is kept`);
      const vs = asRecord(services[0]);
      out.istio = {
        virtualService: { name: vs.name, ...(Array.isArray(vs.routes) ? { routes: vs.routes } : {}) },
        ...(istio.destinationRule ? { destinationRule: istio.destinationRule } : {}),
      };
      if (vs.tlsRoutes || vs.tcpRoutes) notes.dropped(`${at}.virtualService`, "TLS and TCP routes are not weighted by sluice (HTTP routes only)");
    } else if (key === "nginx") {
      const nginx = asRecord(router);
      out.nginx = translateFields(nginx, at, notes, { stableIngress: same, annotationPrefix: same, additionalIngressAnnotations: same }, {
        stableIngresses: { severity: "dropped", message: "sluice manages one stable Ingress (stableIngress)" },
      });
    } else if (key === "smi") {
      out.smi = translateFields(asRecord(router), at, notes, { rootService: same, trafficSplitName: same });
    } else if (key === "plugins" && isRecord(asRecord(router)["argoproj-labs/gatewayAPI"])) {
      const gateway = asRecord(asRecord(router)["argoproj-labs/gatewayAPI"]);
      out.gatewayAPI = { httpRoute: gateway.httpRoute ?? asRecord(asArray(gateway.httpRoutes)[0]).name, ...(gateway.namespace ? { namespace: gateway.namespace } : {}) };
    } else if (key === "managedRoutes") {
      notes.info(at, "not needed: sluice names and removes the routes that steps add");
    } else {
      notes.dropped(at, `traffic router "${key}" is not supported (gatewayAPI, istio, nginx, smi are); without a router sluice splits traffic by replica count`);
    }
  }
  return Object.keys(out).length === 1 ? out : undefined;
}

function canary(value: unknown, path: string, notes: Notes): Json {
  const source = asRecord(value);
  const maxTrafficWeight = Number(asRecord(source.trafficRouting).maxTrafficWeight ?? 100);
  const weightScale = maxTrafficWeight > 0 ? 100 / maxTrafficWeight : 1;
  return translateFields(source, path, notes, {
    stableService: same,
    canaryService: same,
    trafficRouting: (t) => trafficRouting(t, `${path}.trafficRouting`, notes),
    steps: (list) => asArray(list).flatMap((s, i) => steps(s, `${path}.steps[${i}]`, notes, weightScale)),
    analysis: (a) => analysisRef(a, `${path}.analysis`, notes),
    maxSurge: same,
    maxUnavailable: same,
    scaleDownDelaySeconds: same,
    abortScaleDownDelaySeconds: same,
    canaryMetadata: podMetadata(`${path}.canaryMetadata`, notes),
    stableMetadata: podMetadata(`${path}.stableMetadata`, notes),
    dynamicStableScale: (d) => {
      if (d !== true || source.trafficRouting !== undefined) return d;
      // Argo refuses it without a router as well; sluice's lint would refuse the output.
      notes.dropped(`${path}.dynamicStableScale`, "only applies with trafficRouting (Argo refuses it without one too): without a router the pods are the traffic split, so stable already shrinks as the canary grows");
      return undefined;
    },
  }, {
    antiAffinity: { severity: "dropped", message: "not supported; put pod anti-affinity in the pod template" },
    scaleDownDelayRevisionLimit: { severity: "dropped", message: "not supported" },
    minPodsPerReplicaSet: { severity: "dropped", message: "not supported" },
    pingPong: { severity: "dropped", message: "ping-pong Services are not supported; use stableService and canaryService" },
  });
}

function blueGreen(value: unknown, path: string, notes: Notes): Json {
  return translateFields(asRecord(value), path, notes, {
    activeService: same,
    previewService: same,
    autoPromotionEnabled: same,
    autoPromotionSeconds: same,
    previewReplicaCount: same,
    scaleDownDelaySeconds: same,
    abortScaleDownDelaySeconds: same,
    prePromotionAnalysis: (a) => analysisRef(a, `${path}.prePromotionAnalysis`, notes),
    postPromotionAnalysis: (a) => analysisRef(a, `${path}.postPromotionAnalysis`, notes),
    previewMetadata: podMetadata(`${path}.previewMetadata`, notes),
    activeMetadata: podMetadata(`${path}.activeMetadata`, notes),
  }, {
    antiAffinity: { severity: "dropped", message: "not supported; put pod anti-affinity in the pod template" },
    scaleDownDelayRevisionLimit: { severity: "dropped", message: "not supported" },
  });
}

const ARGO_NOTIFICATIONS = "notifications.argoproj.io/";

function metadata(value: unknown, notes: Notes): Json {
  // Server-set fields (uid, resourceVersion, ...) belong to the old object, not to a manifest.
  const m = asRecord(value);
  let annotations = m.annotations === undefined ? undefined : { ...asRecord(m.annotations) };
  if (annotations) {
    for (const key of Object.keys(annotations).filter((k) => k.startsWith(ARGO_NOTIFICATIONS))) {
      notes.dropped(`metadata.annotations.${key}`, "Argo Rollouts notifications are not sent by sluice; watch its Kubernetes Events (reason and message say what happened) or its metrics instead");
      delete annotations[key];
    }
    if (Object.keys(annotations).length === 0) annotations = undefined;
  }
  return Object.fromEntries(Object.entries({ name: m.name, namespace: m.namespace, labels: m.labels, annotations }).filter(([, v]) => v !== undefined));
}

export type DeploymentLookup = (name: string, namespace: string) => Json | undefined;

/**
 * workloadRef carries over as it is (sluice has it, Deployments only). Without a selector in the Rollout,
 * Argo's takes the Deployment's; sluice requires one, so it is copied from the Deployment when that is given.
 */
function workloadRef(value: unknown, notes: Notes): Json | undefined {
  const ref = asRecord(value);
  if (ref.kind !== "Deployment") {
    notes.dropped("spec.workloadRef", `a ${String(ref.kind ?? "workload")} reference has no sluice equivalent (workloadRef names a Deployment only); copy its spec.template into the Rollout`);
    return undefined;
  }
  return { apiVersion: "apps/v1", kind: "Deployment", name: ref.name, ...(ref.scaleDown !== undefined ? { scaleDown: ref.scaleDown } : {}) };
}

function withWorkloadSelector(doc: Json, notes: Notes, deployments: DeploymentLookup): Json {
  const spec = asRecord(doc.spec);
  const ref = asRecord(spec.workloadRef);
  if (spec.selector !== undefined || ref.kind !== "Deployment") return spec;
  const deployment = deployments(String(ref.name), String(asRecord(doc.metadata).namespace ?? "default"));
  if (!deployment) {
    notes.dropped("spec.selector", `sluice needs the selector in the Rollout; Deployment ${String(ref.name)} is not among the inputs to copy it from, so set spec.selector to its selector`);
    return spec;
  }
  notes.info("spec.selector", `copied from Deployment ${String(ref.name)} (Argo reads it from there; sluice keeps it in the Rollout)`);
  return { ...spec, selector: asRecord(deployment.spec).selector };
}

/** The analysis templates an Argo Rollout names (steps, background, blue-green gates), with their paths. */
export function argoTemplateRefs(doc: Json): { path: string; name: string; clusterScope: boolean }[] {
  const strategy = asRecord(asRecord(doc.spec).strategy);
  const canary = asRecord(strategy.canary);
  const blueGreen = asRecord(strategy.blueGreen);
  const analyses: [string, unknown][] = [
    ["spec.strategy.canary.analysis", canary.analysis],
    ...asArray(canary.steps).map((step, i): [string, unknown] => [`spec.strategy.canary.steps[${i}].analysis`, asRecord(step).analysis]),
    ["spec.strategy.blueGreen.prePromotionAnalysis", blueGreen.prePromotionAnalysis],
    ["spec.strategy.blueGreen.postPromotionAnalysis", blueGreen.postPromotionAnalysis],
  ];
  return analyses.flatMap(([path, analysis]) => {
    const a = asRecord(analysis);
    if (a.templateName !== undefined && a.templates === undefined) return [{ path: `${path}.templateName`, name: String(a.templateName), clusterScope: false }];
    return asArray(a.templates).map((t, i) => ({ path: `${path}.templates[${i}]`, name: String(asRecord(t).templateName), clusterScope: asRecord(t).clusterScope === true }));
  });
}

export function translateArgoRollout(doc: Json, notes: Notes, deployments: DeploymentLookup = () => undefined): Json {
  const source = withWorkloadSelector(doc, notes, deployments);
  const spec = translateFields(source, "spec", notes, {
    replicas: same,
    selector: same,
    template: same,
    workloadRef: (w) => workloadRef(w, notes),
    revisionHistoryLimit: same,
    minReadySeconds: same,
    progressDeadlineSeconds: same,
    progressDeadlineAbort: same,
    paused: same,
    analysis: (a) => runHistory(a, notes),
    strategy: (s) =>
      translateFields(asRecord(s), "spec.strategy", notes, {
        canary: (c) => canary(c, "spec.strategy.canary", notes),
        blueGreen: (b) => blueGreen(b, "spec.strategy.blueGreen", notes),
      }),
  }, {
    restartAt: { severity: "info", message: "use `sluice restart NAME` instead" },
  });
  return { apiVersion: API_GROUP_VERSION, kind: "Rollout", metadata: metadata(doc.metadata, notes), spec };
}

const ARGO_DEFAULT_CONSECUTIVE_ERRORS = 4;

function prometheus(value: unknown, path: string, notes: Notes): Json {
  const insecure = asRecord(value).insecure === true;
  const out = translateFields(asRecord(value), path, notes, {
    address: same,
    query: same,
    // Argo's timeout is a number of seconds.
    timeout: (t) => (typeof t === "number" ? `${t}s` : t),
    headers: same,
    insecure: () => undefined,
  }, {
    authentication: { severity: "dropped", message: "SigV4 and OAuth2 are not supported; use bearerTokenSecretRef or basic in provider.prometheus.authentication" },
  });
  return insecure ? { ...out, tls: { insecureSkipVerify: true } } : out;
}

/** Argo's web provider: the same fields in sluice. */
function webProvider(value: unknown, path: string, notes: Notes): Json {
  return translateFields(asRecord(value), path, notes, {
    url: same,
    method: same,
    headers: same,
    body: same,
    jsonBody: same,
    timeoutSeconds: same,
    jsonPath: same,
    insecure: same,
  }, {
    authentication: { severity: "dropped", message: "SigV4 and OAuth2 are not supported; pass a token from a Secret arg in a header, e.g. {key: Authorization, value: \"Bearer {{args.token}}\"}" },
  });
}

/** Argo's job provider: the same Job metadata and JobSpec in sluice (the spec is kept whole). */
function jobProvider(value: unknown, path: string, notes: Notes): Json {
  return translateFields(asRecord(value), path, notes, { metadata: same, spec: same }, {});
}

const PROVIDERS = ["prometheus", "web", "job"];

function metric(value: unknown, path: string, notes: Notes, dryRun: Set<string>, retention: Map<string, unknown>): Json | undefined {
  const source = asRecord(value);
  const name = String(source.name ?? "");
  const provider = asRecord(source.provider);
  const others = Object.keys(provider).filter((k) => !PROVIDERS.includes(k));
  if (others.length > 0 || !PROVIDERS.some((p) => provider[p])) {
    notes.dropped(`${path}.provider`, `provider ${others.join(", ") || "(none)"} is not supported (prometheus, web and job are); metric "${name}" is left out`);
    return undefined;
  }
  let lost = false;
  const condition = (field: string) => (text: unknown) => {
    // Argo ignores the conditions of a job metric (the Job's outcome decides), and sluice refuses them.
    if (provider.job) {
      notes.info(`${path}.${field}`, `left out: a job metric is judged by its Job (Complete = Successful, Failed = Failed), as in Argo, which ignores "${String(text)}"`);
      return undefined;
    }
    if (typeof text !== "string") return text;
    const translated = translateCondition(text);
    if (translated === undefined) {
      notes.dropped(`${path}.${field}`, `"${text}" has no CEL equivalent here; metric "${name}" is left out (write it as a threshold {min, max} or CEL over result)`);
      lost = true;
    }
    return translated;
  };
  const out = translateFields(source, path, notes, {
    name: same,
    interval: duration,
    initialDelay: duration,
    count: (c) => (typeof c === "string" && /^\d+$/.test(c) ? Number(c) : c),
    successCondition: condition("successCondition"),
    failureCondition: condition("failureCondition"),
    failureLimit: (l) => {
      if (l === -1) notes.dropped(`${path}.failureLimit`, "-1 (never fail) is not supported; left at the default 0");
      return l === -1 ? undefined : l;
    },
    inconclusiveLimit: same,
    consecutiveSuccessLimit: same,
    consecutiveErrorLimit: (l) => (l === ARGO_DEFAULT_CONSECUTIVE_ERRORS ? undefined : l),
    provider: () =>
      provider.job
        ? { job: jobProvider(provider.job, `${path}.provider.job`, notes) }
        : provider.web
          ? { web: webProvider(provider.web, `${path}.provider.web`, notes) }
          : { prometheus: prometheus(provider.prometheus, `${path}.provider.prometheus`, notes) },
  });
  if (lost) return undefined;
  if (dryRun.has(name) || dryRun.has("*")) out.dryRun = true;
  const keep = retention.get(name) ?? retention.get("*");
  if (keep !== undefined) out.measurementRetention = keep;
  return out;
}

/** undefined when no metric survives (the notes say why). */
export function translateArgoTemplate(doc: Json, notes: Notes): Json | undefined {
  const source = asRecord(doc.spec);
  const dryRun = new Set(asArray(source.dryRun).map((d) => String(asRecord(d).metricName)));
  const retention = new Map(asArray(source.measurementRetention).map((m) => [String(asRecord(m).metricName), asRecord(m).limit] as const));
  const spec = translateFields(source, "spec", notes, {
    args: (args) => asArray(args).map((a, i) => rolloutArg(a, `spec.args[${i}]`, notes)),
    metrics: (metrics) => asArray(metrics).map((m, i) => metric(m, `spec.metrics[${i}]`, notes, dryRun, retention)).filter((m): m is Json => m !== undefined),
    dryRun: () => undefined,
    measurementRetention: () => undefined,
  });
  if (asArray(spec.metrics).length === 0) {
    notes.dropped("spec.metrics", "no metric could be translated, so the template is left out");
    return undefined;
  }
  return { apiVersion: API_GROUP_VERSION, kind: String(doc.kind), metadata: metadata(doc.metadata, notes), spec };
}
