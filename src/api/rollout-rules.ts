/**
 * Rules that span several fields of one Rollout spec. They run inside the zod schema (so lint, the
 * controller's InvalidSpec condition and the CLI all report them the same way) and name the field to fix.
 */
import { POD_TEMPLATE_HASH_LABEL } from "./group.ts";
import { ROUTER_CAPABILITIES, ROUTERS_WITH } from "./router-capabilities.ts";
import type { RolloutSpec } from "./rollout.ts";
import { selectorMatches } from "./selector.ts";
import type { RouterType } from "./traffic-routing.ts";

export type SpecProblem = { path: (string | number)[]; message: string };

function routerOf(spec: RolloutSpec): RouterType | undefined {
  const routing = spec.strategy.canary?.trafficRouting;
  if (!routing) return undefined;
  return (Object.keys(routing) as RouterType[]).find((k) => routing[k] !== undefined);
}

function selectorProblems(spec: RolloutSpec): SpecProblem[] {
  const { matchLabels = {}, matchExpressions = [] } = spec.selector;
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) {
    return [{ path: ["selector"], message: "must select the pods: set matchLabels, e.g. {app: checkout}" }];
  }
  // With workloadRef the template is the Deployment's: the controller checks it once it has read it.
  if (!spec.template) return [];
  const labels = spec.template.metadata?.labels ?? {};
  if (!selectorMatches(spec.selector, labels)) {
    return [
      {
        path: ["selector"],
        message: "does not match spec.template.metadata.labels; give the pod template the labels the selector asks for",
      },
    ];
  }
  return [];
}

const isZero = (value: number | string): boolean => value === 0 || (typeof value === "string" && Number.parseFloat(value) === 0);

function canaryProblems(spec: RolloutSpec): SpecProblem[] {
  const canary = spec.strategy.canary;
  if (!canary) return [];
  const base = ["strategy", "canary"];
  const problems: SpecProblem[] = [];
  const router = routerOf(spec);

  if (canary.stableService && canary.stableService === canary.canaryService) {
    problems.push({
      path: [...base, "canaryService"],
      message: `must differ from stableService (both are "${canary.stableService}"): each needs its own Service`,
    });
  }
  const dr = canary.trafficRouting?.istio?.destinationRule;
  // By DestinationRule subsets the route's host is the rule's and the subsets tell the versions apart (Argo's
  // subset-level splitting): no Service is routed to, so none is required.
  if (router && !dr) {
    for (const field of ["stableService", "canaryService"] as const) {
      if (!canary[field]) {
        const fix = router === "istio" ? "; or route by DestinationRule subsets with trafficRouting.istio.destinationRule" : "";
        problems.push({ path: [...base, field], message: `is required with trafficRouting.${router}: the router sends traffic to it; set it to a Service selecting the app's pods${fix}` });
      }
    }
  }
  if (dr && dr.canarySubsetName === dr.stableSubsetName) {
    problems.push({
      path: [...base, "trafficRouting", "istio", "destinationRule", "canarySubsetName"],
      message: `must differ from stableSubsetName (both are "${dr.stableSubsetName}")`,
    });
  }

  if (canary.dynamicStableScale && !router) {
    problems.push({
      path: [...base, "dynamicStableScale"],
      message: "needs spec.strategy.canary.trafficRouting: without a router the pods are the traffic split, so stable already shrinks as the canary grows; add a router or remove dynamicStableScale",
    });
  }
  if (isZero(canary.maxSurge) && isZero(canary.maxUnavailable)) {
    problems.push({ path: [...base, "maxUnavailable"], message: "cannot be 0 while maxSurge is 0: no pod could ever be replaced; allow one of them, e.g. maxSurge: 1" });
  }
  if (canary.steps && canary.stepWeight !== undefined) {
    problems.push({ path: [...base, "stepWeight"], message: "cannot be used together with steps; keep one of them" });
  }
  for (const field of ["maxWeight", "interval"] as const) {
    if (canary[field] !== undefined && canary.stepWeight === undefined) {
      problems.push({ path: [...base, field], message: "only applies with stepWeight (the shorthand for steps); set stepWeight or remove it" });
    }
  }
  if (canary.stepWeight !== undefined && canary.maxWeight !== undefined && canary.maxWeight < canary.stepWeight) {
    problems.push({ path: [...base, "maxWeight"], message: `must be at least stepWeight (${canary.stepWeight})` });
  }

  const steps = canary.steps ?? [];
  steps.forEach((step, i) => {
    const at = [...base, "steps", i];
    if (step.setHeaderRoute || step.setMirrorRoute) {
      const field = step.setHeaderRoute ? "setHeaderRoute" : "setMirrorRoute";
      const capability = step.setHeaderRoute ? "headerRoutes" : "mirrorRoutes";
      if (!router) {
        problems.push({
          path: [...at, field],
          message: `needs spec.strategy.canary.trafficRouting with a router that supports it (${ROUTERS_WITH(capability)})`,
        });
      } else if (!ROUTER_CAPABILITIES[router][capability]) {
        problems.push({
          path: [...at, field],
          message: `is not supported by trafficRouting.${router}; use one of ${ROUTERS_WITH(capability)}`,
        });
      }
    }
    if (router === "nginx" && step.setHeaderRoute?.match) {
      const match = step.setHeaderRoute.match;
      if (match.length > ROUTER_CAPABILITIES.nginx.maxHeaderMatches) {
        problems.push({
          path: [...at, "setHeaderRoute", "match"],
          message: `ingress-nginx routes a canary by a single header (got ${match.length}); keep one match`,
        });
      }
      match.forEach((m, j) => {
        if (m.headerValue.prefix !== undefined) {
          problems.push({
            path: [...at, "setHeaderRoute", "match", j, "headerValue", "prefix"],
            message: "ingress-nginx matches a header exactly or by regex; use exact or regex",
          });
        }
      });
    }
    if (step.setCanaryScale && !router) {
      problems.push({
        path: [...at, "setCanaryScale"],
        message: "needs trafficRouting: without a router the canary's replica count is what sets its traffic weight",
      });
    }
  });

  const startingStep = canary.analysis?.startingStep;
  const stepCount = canary.steps?.length;
  if (startingStep !== undefined && stepCount !== undefined && startingStep >= stepCount) {
    problems.push({
      path: [...base, "analysis", "startingStep"],
      message: `must be less than the number of steps (${stepCount})`,
    });
  }
  return problems;
}

function blueGreenProblems(spec: RolloutSpec): SpecProblem[] {
  const bg = spec.strategy.blueGreen;
  if (!bg || bg.previewService !== bg.activeService) return [];
  return [
    {
      path: ["strategy", "blueGreen", "previewService"],
      message: `must differ from activeService (both are "${bg.activeService}"): the preview must stay addressable on its own`,
    },
  ];
}

function templateProblems(spec: RolloutSpec): SpecProblem[] {
  if (spec.template && spec.workloadRef) {
    return [{ path: ["workloadRef"], message: "cannot be used together with spec.template: the pod template comes from one place; remove one of them" }];
  }
  if (!spec.template && !spec.workloadRef) {
    return [{ path: ["template"], message: "is required: set the pod template, or spec.workloadRef to take it from a Deployment" }];
  }
  return [];
}

/**
 * Ephemeral labels go on running pods: one that changed the pod-template hash label or a selector label would
 * take the pods out of their ReplicaSet (and Services), so those keys are sluice's and the template's alone.
 */
function podMetadataProblems(spec: RolloutSpec): SpecProblem[] {
  const { canary, blueGreen } = spec.strategy;
  const fields: [string, string, Record<string, string> | undefined][] = [
    ["canary", "canaryMetadata", canary?.canaryMetadata?.labels],
    ["canary", "stableMetadata", canary?.stableMetadata?.labels],
    ["blueGreen", "previewMetadata", blueGreen?.previewMetadata?.labels],
    ["blueGreen", "activeMetadata", blueGreen?.activeMetadata?.labels],
  ];
  const reserved = new Set([POD_TEMPLATE_HASH_LABEL, ...Object.keys(spec.selector.matchLabels ?? {}), ...(spec.selector.matchExpressions ?? []).map((e) => e.key)]);
  return fields.flatMap(([strategy, field, labels]) =>
    Object.keys(labels ?? {})
      .filter((key) => reserved.has(key))
      .map((key) => ({
        path: ["strategy", strategy, field, "labels", key],
        message: key === POD_TEMPLATE_HASH_LABEL ? "is set by sluice to name the revision; remove it" : "is a label of spec.selector: changing it on running pods would take them out of the rollout; use another label key",
      })),
  );
}

export function rolloutSpecProblems(spec: RolloutSpec): SpecProblem[] {
  return [...templateProblems(spec), ...selectorProblems(spec), ...canaryProblems(spec), ...blueGreenProblems(spec), ...podMetadataProblems(spec)];
}
