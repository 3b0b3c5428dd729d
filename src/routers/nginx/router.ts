/**
 * The ingress-nginx TrafficRouter: keeps the canary Ingress in step with the stable Ingress and the
 * desired routing. It checks for another canary Ingress on the same host/path before creating its own;
 * reset does not create a canary Ingress that does not exist (no canary Ingress = all traffic to stable).
 */
import type { Rollout } from "../../api/rollout.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../core/routing.ts";
import type { Logger } from "pino";
import { conflictRetryFor, withConflictRetry, writeIfChanged } from "../kube-write.ts";
import { isRouterProblem, routerProblem, type ObservedRouting, type RouterKubeClient, type RouterProblem, type TrafficRouter } from "../types.ts";
import { canaryAnnotationKeys } from "./annotations.ts";
import { buildCanaryIngress, nginxTarget } from "./canary-ingress.ts";
import { canaryIngressConflict } from "./conflicts.ts";
import { readCanaryIngressWeights } from "./read.ts";
import { INGRESS_API_VERSION } from "./schema.ts";

export type NginxRouterOptions = { log?: Logger | undefined };

export function nginxRouter(client: RouterKubeClient, options: NginxRouterOptions = {}): TrafficRouter {
  const ingress = (namespace: string, name: string) => client.get({ apiVersion: INGRESS_API_VERSION, kind: "Ingress", namespace, name });

  async function apply(rollout: Rollout, want: DesiredRouting, createIfMissing: boolean): Promise<RouterProblem | undefined> {
    const target = nginxTarget(rollout);
    if (isRouterProblem(target)) return target;
    return withConflictRetry(async () => {
      const current = await ingress(target.namespace, target.canaryIngressName);
      if (!current && !createIfMissing) return undefined;
      const desired = buildCanaryIngress(current, await ingress(target.namespace, target.stableIngressName), rollout, want);
      if (isRouterProblem(desired)) return desired;
      if (!current) {
        const conflict = canaryIngressConflict(desired, await client.list(INGRESS_API_VERSION, "Ingress", target.namespace), rollout);
        if (conflict) return conflict;
      }
      await writeIfChanged(client, current, desired);
      return undefined;
    }, conflictRetryFor(rollout, `Ingress ${target.namespace}/${target.canaryIngressName}`, options.log));
  }

  return {
    type: "nginx",
    async observe(rollout): Promise<ObservedRouting | RouterProblem> {
      const target = nginxTarget(rollout);
      if (isRouterProblem(target)) return target;
      // Without the user's Ingress there is nothing to clone or to route through: say so before anything else.
      if (!(await ingress(target.namespace, target.stableIngressName))) {
        return routerProblem(
          "ObjectNotFound",
          `Ingress ${target.namespace}/${target.stableIngressName} (trafficRouting.nginx.stableIngress) not found; create it or fix the name`,
        );
      }
      const current = await ingress(target.namespace, target.canaryIngressName);
      const weights = readCanaryIngressWeights(current, rollout);
      if (isRouterProblem(weights)) return weights;
      const header = current?.metadata.annotations?.[canaryAnnotationKeys(target.prefix).byHeader];
      return { weights, managedRoutes: header ? [header] : [] };
    },
    apply: (rollout, want) => apply(rollout, want, true),
    reset: (rollout) => apply(rollout, ALL_TO_STABLE, false),
  };
}
