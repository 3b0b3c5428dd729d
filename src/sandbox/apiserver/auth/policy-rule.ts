// RBAC PolicyRule matching, as k8s.io/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go and the RBAC
// authorizer's RuleAllows: verbs, API groups, resources (`*`, `resource/subresource`, `*/subresource`),
// resource names, and non-resource URLs (exact, `*`, or a `prefix*`).
import { z } from "zod";
import { combinedResource, type RequestAttributes } from "./request-attributes.ts";

const strings = z.array(z.string()).nullish().transform((v) => v ?? []);

export const policyRuleSchema = z.object({
  verbs: strings,
  apiGroups: strings,
  resources: strings,
  resourceNames: strings,
  nonResourceURLs: strings,
});

export type PolicyRule = z.infer<typeof policyRuleSchema>;

const ALL = "*";

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.some((g) => g === ALL || g === group);
}

export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return rule.resources.some((r) => r === ALL || r === combined || (subresource !== "" && r === `*/${subresource}`));
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return rule.resourceNames.length === 0 || rule.resourceNames.includes(name);
}

export function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  return rule.nonResourceURLs.some((u) => u === ALL || u === path || (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))));
}

export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  if (attrs.kind === "nonResource") return verbMatches(rule, attrs.verb) && nonResourceUrlMatches(rule, attrs.path);
  return (
    verbMatches(rule, attrs.verb) &&
    apiGroupMatches(rule, attrs.group) &&
    resourceMatches(rule, combinedResource(attrs), attrs.subresource) &&
    resourceNameMatches(rule, attrs.name)
  );
}
