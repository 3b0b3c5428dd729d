/** What the canary Ingress routes now. */
import type { Rollout } from "../../api/rollout.ts";
import { describeObject, validatedCopy } from "../kube-object.ts";
import { isRouterProblem, routerProblem, type RoutedWeights, type RouterProblem } from "../types.ts";
import { canaryAnnotationKeys } from "./annotations.ts";
import { nginxTarget } from "./canary-ingress.ts";
import { ingressSchema } from "./schema.ts";

const WHOLE_NUMBER = /^\d+$/;

/**
 * No canary Ingress (or one without `canary: "true"`) means all traffic goes to stable. Otherwise the
 * canary share is canary-weight / canary-weight-total (default 100), capped at 100%.
 */
export function readCanaryIngressWeights(current: unknown, rollout: Rollout): RoutedWeights | RouterProblem {
  const target = nginxTarget(rollout);
  if (isRouterProblem(target)) return target;
  if (current === undefined || current === null) return { canary: 0, stable: 100 };
  const what = describeObject("Ingress", target.namespace, target.canaryIngressName);
  const ingress = validatedCopy(ingressSchema, current, what);
  if (isRouterProblem(ingress)) return ingress;
  const keys = canaryAnnotationKeys(target.prefix);
  const annotations = ingress.metadata.annotations ?? {};
  if (annotations[keys.canary] !== "true") return { canary: 0, stable: 100 };
  const weight = annotations[keys.weight] ?? "0";
  const total = annotations[keys.weightTotal] ?? "100";
  if (!WHOLE_NUMBER.test(weight) || !WHOLE_NUMBER.test(total) || Number(total) === 0) {
    return routerProblem("MalformedObject", `${what} has canary-weight "${weight}" of canary-weight-total "${total}"; both must be whole numbers, the total above 0`);
  }
  const canary = Math.min(100, Math.round((100 * Number(weight)) / Number(total)));
  return { canary, stable: 100 - canary };
}
