/** Label selectors: matching and the string form used by the scale subresource and Services. */
import type { z } from "zod";
import type { labelSelector } from "./fields.ts";

export type LabelSelector = z.infer<ReturnType<typeof labelSelector>>;

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expr.key);
    const value = labels[expr.key];
    const values = expr.values ?? [];
    switch (expr.operator) {
      case "In":
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** "app=checkout,tier in (web,api)": the form kubectl and the scale subresource use. */
export function selectorToString(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const expr of selector.matchExpressions ?? []) {
    const values = (expr.values ?? []).join(",");
    if (expr.operator === "In") parts.push(`${expr.key} in (${values})`);
    else if (expr.operator === "NotIn") parts.push(`${expr.key} notin (${values})`);
    else if (expr.operator === "Exists") parts.push(expr.key);
    else parts.push(`!${expr.key}`);
  }
  return parts.join(",");
}
