/**
 * The ingress-nginx canary annotations (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary):
 * `canary: "true"` marks the canary Ingress; `canary-weight` (0..canary-weight-total, default total 100)
 * sends that share of the host/path to it; `canary-by-header` names a header, matched exactly with
 * `canary-by-header-value` or by regex with `canary-by-header-pattern` (ignored when a value is set).
 * Rules are evaluated header first, then cookie, then weight.
 */
import type { DesiredRouting } from "../../core/routing.ts";
import { exactOrRegex } from "../string-match.ts";
import { routerProblem, type RouterProblem } from "../types.ts";

export type CanaryAnnotationKeys = {
  canary: string;
  weight: string;
  weightTotal: string;
  byHeader: string;
  byHeaderValue: string;
  byHeaderPattern: string;
};

export function canaryAnnotationKeys(prefix: string): CanaryAnnotationKeys {
  return {
    canary: `${prefix}/canary`,
    weight: `${prefix}/canary-weight`,
    weightTotal: `${prefix}/canary-weight-total`,
    byHeader: `${prefix}/canary-by-header`,
    byHeaderValue: `${prefix}/canary-by-header-value`,
    byHeaderPattern: `${prefix}/canary-by-header-pattern`,
  };
}

/** Any canary annotation (including by-cookie): copied from the stable Ingress they would change the canary's meaning. */
export function isCanaryAnnotation(key: string, prefix: string): boolean {
  return key === `${prefix}/canary` || key.startsWith(`${prefix}/canary-`);
}

/**
 * Annotations that say who manages the stable object (kubectl apply's record, Argo CD's tracking id,
 * Helm's release): on our clone they would make those tools treat the canary Ingress as theirs, to
 * diff, adopt or prune.
 */
export const NOT_CLONED_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  "argocd.argoproj.io/tracking-id",
  "meta.helm.sh/release-name",
  "meta.helm.sh/release-namespace",
]);

/**
 * The header annotations for the (at most one) header route, or a problem when the routing asks for more
 * than ingress-nginx can express: one header per canary Ingress, and no mirroring.
 */
export function headerAnnotations(want: DesiredRouting, keys: CanaryAnnotationKeys, what: string): Record<string, string> | RouterProblem {
  if (want.mirrorRoutes.length > 0) {
    return routerProblem("Unsupported", `${what}: ingress-nginx cannot mirror to a canary Ingress; remove setMirrorRoute "${want.mirrorRoutes[0]?.name}" or use gatewayAPI or istio`);
  }
  const routes = want.headerRoutes.filter((route) => route.match.length > 0);
  if (routes.length > 1) {
    return routerProblem("Unsupported", `${what}: ingress-nginx routes a canary by one header only, but header routes ${routes.map((route) => `"${route.name}"`).join(", ")} are all active; remove all but one`);
  }
  const route = routes[0];
  if (!route) return {};
  const [match, ...more] = route.match;
  if (!match || more.length > 0) {
    return routerProblem("Unsupported", `${what}: ingress-nginx routes a canary by one header only, but header route "${route.name}" matches ${route.match.length}; keep one`);
  }
  const value = exactOrRegex(match.headerValue);
  return value.type === "exact"
    ? { [keys.byHeader]: match.headerName, [keys.byHeaderValue]: value.value }
    : { [keys.byHeader]: match.headerName, [keys.byHeaderPattern]: value.value };
}
