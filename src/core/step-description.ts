/** Steps in words, for status messages, Events and the CLI ("set weight 25%", "pause 2m"). */
import type { CanaryStep } from "../api/steps.ts";

export function describeStep(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `set weight ${step.setWeight}%`;
  if (step.pause) return step.pause.duration === undefined ? "pause until promoted" : `pause ${step.pause.duration}${typeof step.pause.duration === "number" ? "s" : ""}`;
  if (step.analysis) return `analysis ${step.analysis.templates.map((t) => t.templateName).join(", ")}`;
  if (step.setCanaryScale) {
    const s = step.setCanaryScale;
    if (s.replicas !== undefined) return `canary scale ${s.replicas} pod(s)`;
    if (s.weight !== undefined) return `canary scale ${s.weight}% of replicas`;
    return "canary scale to match traffic weight";
  }
  if (step.setHeaderRoute) return step.setHeaderRoute.match ? `header route ${step.setHeaderRoute.name}` : `remove header route ${step.setHeaderRoute.name}`;
  if (step.setMirrorRoute) {
    const m = step.setMirrorRoute;
    return m.match ? `mirror ${m.percentage}% to canary (${m.name})` : `remove mirror route ${m.name}`;
  }
  return "unknown step";
}
