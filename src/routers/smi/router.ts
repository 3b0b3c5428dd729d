/** The SMI TrafficRouter: creates or updates the Rollout's TrafficSplit. */
import type { Rollout } from "../../api/rollout.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../core/routing.ts";
import type { Logger } from "pino";
import { conflictRetryFor, withConflictRetry, writeIfChanged } from "../kube-write.ts";
import { isRouterProblem, type ObservedRouting, type RouterKubeClient, type RouterProblem, type TrafficRouter } from "../types.ts";
import { buildTrafficSplit, smiTarget } from "./build.ts";
import { readTrafficSplitWeights } from "./read.ts";
import { DEFAULT_SMI_VERSION, SMI_GROUP, type SmiVersion } from "./schema.ts";

export type SmiRouterOptions = {
  /** The TrafficSplit version the mesh serves (Linkerd: v1alpha2; OSM: v1alpha4). */
  version?: SmiVersion;
  /** Where conflict retries are logged. */
  log?: Logger | undefined;
};

export function smiRouter(client: RouterKubeClient, options: SmiRouterOptions = {}): TrafficRouter {
  const version = options.version ?? DEFAULT_SMI_VERSION;
  const apiVersion = `${SMI_GROUP}/${version}`;

  async function apply(rollout: Rollout, want: DesiredRouting, createIfMissing: boolean): Promise<RouterProblem | undefined> {
    const target = smiTarget(rollout);
    if (isRouterProblem(target)) return target;
    return withConflictRetry(async () => {
      const current = await client.get({ apiVersion, kind: "TrafficSplit", namespace: target.namespace, name: target.name });
      // Without a split, the root Service gets the traffic: resetting must not create one.
      if (!current && !createIfMissing) return undefined;
      const desired = buildTrafficSplit(current, rollout, want, version);
      if (isRouterProblem(desired)) return desired;
      await writeIfChanged(client, current, desired);
      return undefined;
    }, conflictRetryFor(rollout, `TrafficSplit ${target.namespace}/${target.name}`, options.log));
  }

  return {
    type: "smi",
    async observe(rollout): Promise<ObservedRouting | RouterProblem> {
      const target = smiTarget(rollout);
      if (isRouterProblem(target)) return target;
      const current = await client.get({ apiVersion, kind: "TrafficSplit", namespace: target.namespace, name: target.name });
      // No split yet: the root Service takes all the traffic, i.e. 100% stable. The first apply creates it.
      if (!current) return { weights: { canary: 0, stable: 100 }, managedRoutes: [] };
      const weights = readTrafficSplitWeights(current, rollout);
      if (isRouterProblem(weights)) return weights;
      return { weights, managedRoutes: [] };
    },
    apply: (rollout, want) => apply(rollout, want, true),
    reset: (rollout) => apply(rollout, ALL_TO_STABLE, false),
  };
}
