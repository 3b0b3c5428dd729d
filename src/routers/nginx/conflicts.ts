/**
 * ingress-nginx serves at most one canary Ingress per host and path: a second one is ignored. Before
 * creating ours, check no other canary Ingress of the same class already covers one of our host/paths.
 */
import type { Rollout } from "../../api/rollout.ts";
import { describeObject } from "../kube-object.ts";
import { isRouterProblem, routerProblem, type RouterProblem } from "../types.ts";
import { canaryAnnotationKeys } from "./annotations.ts";
import { nginxTarget } from "./canary-ingress.ts";
import { ingressSchema, type Ingress } from "./schema.ts";

/** "host + path" pairs an Ingress serves; a missing host is every host, a missing path is "/". */
function hostPaths(ingress: Ingress): Set<string> {
  const pairs = new Set<string>();
  for (const rule of ingress.spec.rules ?? []) {
    for (const path of rule.http?.paths ?? []) pairs.add(`${rule.host ?? "*"}${path.path ?? "/"}`);
  }
  return pairs;
}

/** Classes differ only when both Ingresses name one; an unset class may be served by either controller. */
function sameClass(a: Ingress, b: Ingress): boolean {
  return a.spec.ingressClassName === undefined || b.spec.ingressClassName === undefined || a.spec.ingressClassName === b.spec.ingressClassName;
}

/** The first other canary Ingress that covers a host/path of `ours`, as a problem; undefined when none. */
export function canaryIngressConflict(ours: Ingress, ingresses: unknown[], rollout: Rollout): RouterProblem | undefined {
  const target = nginxTarget(rollout);
  if (isRouterProblem(target)) return target;
  const canaryKey = canaryAnnotationKeys(target.prefix).canary;
  const wanted = hostPaths(ours);
  for (const candidate of ingresses) {
    const parsed = ingressSchema.safeParse(candidate);
    // Ingresses we cannot read are not canaries we can reason about; the API server validated them anyway.
    if (!parsed.success) continue;
    const other = parsed.data;
    if (other.metadata.name === ours.metadata.name) continue;
    if (other.metadata.annotations?.[canaryKey] !== "true" || !sameClass(ours, other)) continue;
    const shared = [...hostPaths(other)].find((pair) => wanted.has(pair));
    if (shared) {
      return routerProblem(
        "Conflict",
        `${describeObject("Ingress", other.metadata.namespace ?? target.namespace, other.metadata.name)} is already a canary for ${shared}; ingress-nginx serves one canary Ingress per host and path, so remove its canary annotation or delete it before this Rollout can route`,
      );
    }
  }
  return undefined;
}
