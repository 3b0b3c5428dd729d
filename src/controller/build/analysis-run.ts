/**
 * An AnalysisRun from the templates a step names and the arguments the Rollout passes (pure). Values the
 * controller knows (pod-template hashes, fields of the Rollout) are resolved here; secret references stay
 * references, so secret values are never copied into the AnalysisRun.
 */
import type { RolloutArg } from "../../api/analysis-refs.ts";
import type { AnalysisTemplateSpec } from "../../api/analysis-template.ts";
import { judgesCanary } from "../../analysis/false-abort-budget.ts";
import type { Rollout } from "../../api/rollout.ts";
import type { Action } from "../../core/plan.ts";
import type { KubeObject } from "../../kube/kube-object.ts";
import { ANALYSIS_ROLE_LABEL, ROLLOUT_LABEL } from "../labels.ts";
import { ownerReferenceTo } from "./owner.ts";

export class AnalysisArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalysisArgumentError";
  }
}

/** metadata.name, metadata.labels['app'], spec.replicas ...: the field paths fieldRef accepts. */
export function fieldOf(rollout: Rollout, fieldPath: string): string | undefined {
  const parts = [...fieldPath.matchAll(/([^.[\]]+)|\['([^']+)'\]|\["([^"]+)"\]/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
  let node: unknown = rollout;
  for (const part of parts) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string" || typeof node === "number" || typeof node === "boolean" ? String(node) : undefined;
}

type StartAnalysis = Extract<Action, { kind: "StartAnalysis" }>;

function resolveArgs(rollout: Rollout, action: StartAnalysis, templates: AnalysisTemplateSpec[]): RolloutArg[] {
  const given = new Map((action.analysis.args ?? []).map((a) => [a.name, a]));
  const resolved = new Map<string, RolloutArg>();
  for (const declared of templates.flatMap((t) => t.args ?? [])) {
    const arg = given.get(declared.name) ?? declared;
    resolved.set(declared.name, { ...arg, name: declared.name });
  }
  for (const [name, arg] of given) if (!resolved.has(name)) resolved.set(name, arg);
  return [...resolved.values()].map((arg) => {
    const from = arg.valueFrom;
    if (arg.value !== undefined || !from) {
      if (arg.value === undefined) throw new AnalysisArgumentError(`argument "${arg.name}" has no value; pass it in the Rollout's analysis args`);
      return { name: arg.name, value: arg.value };
    }
    if (from.podTemplateHashValue) {
      const hash = from.podTemplateHashValue === "Latest" ? action.latestPodHash : action.stablePodHash;
      if (!hash) throw new AnalysisArgumentError(`argument "${arg.name}": there is no ${from.podTemplateHashValue} pod-template hash yet`);
      return { name: arg.name, value: hash };
    }
    if (from.fieldRef) {
      const value = fieldOf(rollout, from.fieldRef.fieldPath);
      if (value === undefined) throw new AnalysisArgumentError(`argument "${arg.name}": the Rollout has no field ${from.fieldRef.fieldPath}`);
      return { name: arg.name, value };
    }
    return { name: arg.name, valueFrom: from };
  });
}

/**
 * `share`: this revision's judged gates' share of the false-abort budget (run-share.ts). Recorded only on a run
 * that judges the canary: a run of thresholds spends none of it.
 */
export function buildAnalysisRun(rollout: Rollout, action: StartAnalysis, templates: AnalysisTemplateSpec[], share?: number): KubeObject {
  const metrics = templates.flatMap((t) => t.metrics);
  const judge = templates.find((t) => t.judge)?.judge;
  const spends = share !== undefined && metrics.some(judgesCanary);
  return {
    apiVersion: rollout.apiVersion,
    kind: "AnalysisRun",
    metadata: {
      name: action.name,
      namespace: rollout.metadata.namespace ?? "default",
      labels: { [ROLLOUT_LABEL]: rollout.metadata.name ?? "", [ANALYSIS_ROLE_LABEL]: action.role },
      ownerReferences: [ownerReferenceTo(rollout)],
    },
    spec: { metrics, args: resolveArgs(rollout, action, templates), ...(judge ? { judge } : {}), ...(spends ? { falseAbortShare: share } : {}), terminate: false },
  };
}
