/**
 * The pure nginx builders. sluice owns one canary Ingress per Rollout, cloned from the user's stable
 * Ingress: same class, hosts, paths and TLS, each path that sends to the stable Service sending to the
 * canary Service instead, and the canary annotations set from the DesiredRouting.
 */
import type { Rollout } from "../../api/rollout.ts";
import type { DesiredRouting } from "../../core/routing.ts";
import { describeObject, isControlledBy, validatedCopy } from "../kube-object.ts";
import { ownerReferenceTo, routedServices, rolloutNamespace, routingOf, type RoutedServices } from "../rollout-refs.ts";
import { isRouterProblem, routerProblem, type KubeObject, type RouterProblem } from "../types.ts";
import { splitFor } from "../weights.ts";
import { canaryAnnotationKeys, headerAnnotations, isCanaryAnnotation, NOT_CLONED_ANNOTATIONS } from "./annotations.ts";
import { ingressSchema, type Ingress, type IngressRule } from "./schema.ts";

export type NginxTarget = {
  services: RoutedServices;
  namespace: string;
  stableIngressName: string;
  canaryIngressName: string;
  prefix: string;
  additionalAnnotations: Record<string, string>;
};

/** `<stableIngress>-<rollout>-canary`: unique per Rollout even when two Rollouts share a stable Ingress. */
export function canaryIngressName(stableIngress: string, rolloutName: string): string {
  return `${stableIngress}-${rolloutName}-canary`.slice(0, 253).replace(/[-.]+$/, "");
}

export function nginxTarget(rollout: Rollout): NginxTarget | RouterProblem {
  const services = routedServices(rollout);
  if (isRouterProblem(services)) return services;
  const routing = routingOf(rollout, "nginx");
  if (isRouterProblem(routing)) return routing;
  return {
    services,
    namespace: rolloutNamespace(rollout),
    stableIngressName: routing.stableIngress,
    canaryIngressName: canaryIngressName(routing.stableIngress, services.rolloutName),
    prefix: routing.annotationPrefix,
    additionalAnnotations: routing.additionalIngressAnnotations ?? {},
  };
}

/** The stable Ingress's rules with only the paths to the stable Service, pointed at the canary Service. */
function canaryRules(rules: IngressRule[], services: RoutedServices): IngressRule[] {
  const result: IngressRule[] = [];
  for (const rule of rules) {
    const paths = (rule.http?.paths ?? []).filter((path) => path.backend.service?.name === services.stableService);
    if (paths.length === 0) continue;
    for (const path of paths) if (path.backend.service) path.backend.service.name = services.canaryService;
    result.push({ ...rule, http: { ...rule.http, paths } });
  }
  return result;
}

/** The canary Ingress as it should be now, from the stable Ingress and the DesiredRouting. */
export function createCanaryIngress(stableIngress: unknown, rollout: Rollout, want: DesiredRouting): Ingress | RouterProblem {
  const target = nginxTarget(rollout);
  if (isRouterProblem(target)) return target;
  const stableWhat = describeObject("Ingress", target.namespace, target.stableIngressName);
  const stable = validatedCopy(ingressSchema, stableIngress, stableWhat);
  if (isRouterProblem(stable)) return stable;
  const keys = canaryAnnotationKeys(target.prefix);
  const canaryWhat = describeObject("Ingress", target.namespace, target.canaryIngressName);
  const header = headerAnnotations(want, keys, canaryWhat);
  if (isRouterProblem(header)) return header;

  const { defaultBackend, rules, ...specRest } = stable.spec;
  const spec: Ingress["spec"] = { ...specRest };
  const canaryPaths = canaryRules(rules ?? [], target.services);
  if (canaryPaths.length > 0) spec.rules = canaryPaths;
  if (defaultBackend?.service?.name === target.services.stableService) {
    spec.defaultBackend = { ...defaultBackend, service: { ...defaultBackend.service, name: target.services.canaryService } };
  }
  if (!spec.rules && !spec.defaultBackend) {
    return routerProblem(
      "NoStableBackend",
      `${stableWhat} has no path with backend Service ${target.services.stableService}; point the paths to be canaried at it`,
    );
  }

  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(stable.metadata.annotations ?? {})) {
    if (!isCanaryAnnotation(key, target.prefix) && !NOT_CLONED_ANNOTATIONS.has(key)) annotations[key] = value;
  }
  Object.assign(annotations, target.additionalAnnotations);
  // With a header route, ours replace any header annotations the user added; without, theirs stay.
  if (Object.keys(header).length > 0) for (const key of [keys.byHeader, keys.byHeaderValue, keys.byHeaderPattern]) delete annotations[key];
  // canary-weight-total is left at its default (100) so canary-weight is a percentage.
  delete annotations[keys.weightTotal];
  Object.assign(annotations, header, { [keys.canary]: "true", [keys.weight]: String(splitFor(want.canaryWeight).canary) });

  const metadata: KubeObject["metadata"] = {
    name: target.canaryIngressName,
    namespace: target.namespace,
    ...(stable.metadata.labels ? { labels: stable.metadata.labels } : {}),
    annotations,
    ownerReferences: [ownerReferenceTo(rollout)],
  };
  return { apiVersion: stable.apiVersion, kind: "Ingress", metadata, spec };
}

/**
 * The update of an existing canary Ingress: the desired clone, with the live object's identity
 * (resourceVersion, uid, finalizers, other owners) kept so the write is a replace of our own object.
 * An Ingress with our name that this Rollout does not own is someone else's: never overwritten.
 */
export function buildCanaryIngress(current: unknown, stableIngress: unknown, rollout: Rollout, want: DesiredRouting): Ingress | RouterProblem {
  const desired = createCanaryIngress(stableIngress, rollout, want);
  if (isRouterProblem(desired) || current === undefined || current === null) return desired;
  const what = describeObject("Ingress", desired.metadata.namespace, desired.metadata.name);
  const live = validatedCopy(ingressSchema, current, what);
  if (isRouterProblem(live)) return live;
  if (!isControlledBy(live, rollout)) {
    return routerProblem(
      "Conflict",
      `${what} exists but is not owned by Rollout ${rolloutNamespace(rollout)}/${rollout.metadata.name}; delete or rename it so sluice can create its canary Ingress`,
    );
  }
  const metadata: Ingress["metadata"] = { ...live.metadata, annotations: desired.metadata.annotations ?? {} };
  if (desired.metadata.labels) metadata.labels = desired.metadata.labels;
  else delete metadata.labels;
  return { ...live, metadata, spec: desired.spec };
}
