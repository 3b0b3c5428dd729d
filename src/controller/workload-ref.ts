/**
 * spec.workloadRef: the Rollout runs the pod template of a Deployment. Before observing and deciding, the
 * reconcile copies that template (from the Deployment cache) into its in-memory Rollout, so decide() and the
 * ReplicaSets it creates see a Rollout like any other, and a change to the Deployment's template is a new
 * revision. The Deployment's replica counts go to observe() for workloadRef.scaleDown. Nothing is written to
 * the Rollout object itself.
 */
import { fieldErrorsFrom } from "../api/field-errors.ts";
import { podTemplateSchema } from "../api/pod-template.ts";
import type { Rollout } from "../api/rollout.ts";
import { selectorMatches } from "../api/selector.ts";
import type { ObservedWorkload } from "../core/observed.ts";
import type { ClusterView } from "./cluster-view.ts";

export type ResolvedWorkload = {
  rollout: Rollout;
  workload?: ObservedWorkload | undefined;
  /** Why the template could not be taken (the Rollout then stays without one: an invalid spec, nothing acts). */
  problem?: { path: string; message: string } | undefined;
};

const num = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

export function resolveWorkload(rollout: Rollout, view: ClusterView): ResolvedWorkload {
  const ref = rollout.spec.workloadRef;
  if (!ref) return { rollout };
  const namespace = rollout.metadata.namespace ?? "default";
  const deployment = view.deployment?.(namespace, ref.name);
  if (!deployment) {
    return { rollout, problem: { path: "spec.workloadRef.name", message: `Deployment "${ref.name}" not found in namespace ${namespace}; create it or fix the name` } };
  }
  const spec = (deployment.spec ?? {}) as Record<string, unknown>;
  const parsed = podTemplateSchema.safeParse(spec.template);
  if (!parsed.success) {
    const [first] = fieldErrorsFrom(parsed.error, spec.template, podTemplateSchema);
    return { rollout, problem: { path: "spec.workloadRef.name", message: `Deployment "${ref.name}" has an unusable pod template: spec.template.${first?.path ?? ""}: ${first?.message ?? parsed.error.message}` } };
  }
  const labels = parsed.data.metadata?.labels ?? {};
  if (!selectorMatches(rollout.spec.selector, labels)) {
    return { rollout, problem: { path: "spec.selector", message: `does not match the pod template labels of Deployment "${ref.name}"; select the labels its template sets` } };
  }
  const status = (deployment.status ?? {}) as Record<string, unknown>;
  return {
    rollout: { ...rollout, spec: { ...rollout.spec, template: parsed.data } },
    workload: { name: ref.name, replicas: num(spec.replicas, 1), availableReplicas: num(status.availableReplicas, 0) },
  };
}
