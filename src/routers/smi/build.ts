/**
 * The pure SMI builder. The TrafficSplit is created by sluice (named trafficSplitName or the Rollout's
 * name, owned by the Rollout), root Service = rootService or stableService, backends stable and canary.
 * An existing split without a controller (written by the user, as in examples/canary-flagger-style.yaml)
 * is adopted as is; one controlled by something else is never overwritten. Backends for other Services
 * keep their weights.
 */
import type { Rollout } from "../../api/rollout.ts";
import type { DesiredRouting } from "../../core/routing.ts";
import { controllerOtherThan, describeObject, validatedCopy } from "../kube-object.ts";
import { ownerReferenceTo, routedServices, rolloutNamespace, routingOf, type RoutedServices } from "../rollout-refs.ts";
import { isRouterProblem, routerProblem, type RouterProblem } from "../types.ts";
import { splitFor } from "../weights.ts";
import { DEFAULT_SMI_VERSION, SMI_GROUP, trafficSplitSchema, type SmiVersion, type TrafficSplit, type TrafficSplitBackend } from "./schema.ts";

export type SmiTarget = { services: RoutedServices; namespace: string; name: string; rootService: string; what: string };

export function smiTarget(rollout: Rollout): SmiTarget | RouterProblem {
  const services = routedServices(rollout);
  if (isRouterProblem(services)) return services;
  const routing = routingOf(rollout, "smi");
  if (isRouterProblem(routing)) return routing;
  const namespace = rolloutNamespace(rollout);
  const name = routing.trafficSplitName ?? services.rolloutName;
  return { services, namespace, name, rootService: routing.rootService ?? services.stableService, what: describeObject("TrafficSplit", namespace, name) };
}

/** v1alpha1 weights are quantities; a whole number written as a string is a valid one. */
function weightFor(apiVersion: string, weight: number): number | string {
  return apiVersion === `${SMI_GROUP}/v1alpha1` ? String(weight) : weight;
}

function unsupportedRoutes(want: DesiredRouting, what: string): RouterProblem | undefined {
  const route = want.headerRoutes.find((candidate) => candidate.match.length > 0)?.name ?? want.mirrorRoutes[0]?.name;
  if (route === undefined) return undefined;
  return routerProblem("Unsupported", `${what}: SMI TrafficSplit splits by weight only; route "${route}" needs gatewayAPI or istio`);
}

export function buildTrafficSplit(
  current: unknown,
  rollout: Rollout,
  want: DesiredRouting,
  version: SmiVersion = DEFAULT_SMI_VERSION,
): TrafficSplit | RouterProblem {
  const target = smiTarget(rollout);
  if (isRouterProblem(target)) return target;
  const unsupported = unsupportedRoutes(want, target.what);
  if (unsupported) return unsupported;
  const split = splitFor(want.canaryWeight);

  if (current === undefined || current === null) {
    const apiVersion = `${SMI_GROUP}/${version}`;
    return {
      apiVersion,
      kind: "TrafficSplit",
      metadata: { name: target.name, namespace: target.namespace, ownerReferences: [ownerReferenceTo(rollout)] },
      spec: {
        service: target.rootService,
        backends: [
          { service: target.services.stableService, weight: weightFor(apiVersion, split.stable) },
          { service: target.services.canaryService, weight: weightFor(apiVersion, split.canary) },
        ],
      },
    };
  }

  const trafficSplit = validatedCopy(trafficSplitSchema, current, target.what);
  if (isRouterProblem(trafficSplit)) return trafficSplit;
  const controller = controllerOtherThan(trafficSplit, rollout);
  if (controller) {
    return routerProblem("Conflict", `${target.what} is controlled by ${controller}; give this Rollout its own trafficSplitName`);
  }
  trafficSplit.spec.service = target.rootService;
  const backends = trafficSplit.spec.backends;
  for (const [service, weight] of [
    [target.services.stableService, split.stable],
    [target.services.canaryService, split.canary],
  ] as const) {
    const matching = backends.filter((backend) => backend.service === service);
    if (matching.length > 1) {
      return routerProblem("AmbiguousRouting", `${target.what} lists Service ${service} ${matching.length} times in spec.backends; keep one`);
    }
    const backend: TrafficSplitBackend | undefined = matching[0];
    if (backend) backend.weight = weightFor(trafficSplit.apiVersion, weight);
    else backends.push({ service, weight: weightFor(trafficSplit.apiVersion, weight) });
  }
  return trafficSplit;
}
