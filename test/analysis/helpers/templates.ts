/** The shipped ClusterAnalysisTemplates (deploy/analysis-templates), parsed as the controller would. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { clusterAnalysisTemplateSchema, type ClusterAnalysisTemplate } from "../../../src/api/analysis-template.ts";
import type { Metric } from "../../../src/api/metric.ts";
import { literalArgs } from "../../../src/providers/resolved-args.ts";
import type { ResolvedArgs } from "../../../src/providers/types.ts";
import { REPO_ROOT } from "../../helpers/run-cli.ts";

export function shippedTemplate(file: string, name: string): ClusterAnalysisTemplate {
  const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, "deploy/analysis-templates", file), "utf8"));
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const parsed = clusterAnalysisTemplateSchema.parse(doc.toJS());
    if (parsed.metadata.name === name) return parsed;
  }
  throw new Error(`no template ${name} in ${file}`);
}

export function shippedMetric(file: string, template: string, metric: string): Metric {
  const found = shippedTemplate(file, template).spec.metrics.find((m) => m.name === metric);
  if (!found) throw new Error(`no metric ${metric} in ${template}`);
  return found;
}

/** The template's declared argument defaults, overridden by `given`. */
export function argsFor(file: string, template: string, given: Record<string, string>): ResolvedArgs {
  const args = new Map<string, string>();
  for (const a of shippedTemplate(file, template).spec.args ?? []) if (a.value !== undefined) args.set(a.name, a.value);
  for (const [k, v] of Object.entries(given)) args.set(k, v);
  return literalArgs(args);
}
