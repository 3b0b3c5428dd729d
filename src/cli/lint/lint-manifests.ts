/**
 * `sluice lint` without the file system: validate every sluice object in a set of documents, then check
 * what spans objects (analysis templates that a Rollout names must be among the documents or in the cluster).
 * Warnings are sound-but-dubious settings (a judge whose points overlap); they do not fail the lint.
 */
import type { AnalysisTemplateSpec } from "../../api/analysis-template.ts";
import { formatPath } from "../../api/field-errors.ts";
import { documentLocation, type ManifestDocument } from "../../api/manifest-documents.ts";
import { describeObject, parseSluiceObject, type SluiceObject } from "../../api/objects.ts";
import { durationToMs } from "../../api/duration.ts";
import { templateReferenceProblems, type TemplateLookup } from "../../api/template-references.ts";
import { overlapWarning } from "../../analysis/query-ranges.ts";
import { notificationProblems } from "./notification-problems.ts";

export type LintFinding = { location: string; object: string; path: string; message: string };

export type LintResult = {
  findings: LintFinding[];
  warnings: LintFinding[];
  valid: { doc: ManifestDocument; object: SluiceObject }[];
  /** Documents that are not sluice objects (Services, routes...), checked only for YAML syntax. */
  foreign: number;
};

/** Template lookup over the documents themselves; `fallback` may ask the cluster for the rest. */
export function templatesIn(objects: SluiceObject[], fallback?: TemplateLookup): TemplateLookup {
  const namespaced: { name: string; namespace: string | undefined; spec: AnalysisTemplateSpec }[] = [];
  const cluster = new Map<string, AnalysisTemplateSpec>();
  for (const o of objects) {
    if (o.kind === "AnalysisTemplate") namespaced.push({ name: o.value.metadata.name ?? "", namespace: o.value.metadata.namespace, spec: o.value.spec });
    if (o.kind === "ClusterAnalysisTemplate") cluster.set(o.value.metadata.name ?? "", o.value.spec);
  }
  return (ref, namespace) => {
    const local = ref.clusterScope
      ? cluster.get(ref.templateName)
      : // Unnamespaced files are applied into one namespace, so an unset namespace matches any.
        namespaced.find((t) => t.name === ref.templateName && (!t.namespace || !namespace || t.namespace === namespace))?.spec;
    return local ?? fallback?.(ref, namespace);
  };
}

export function lintDocuments(docs: ManifestDocument[], options: { clusterLookup?: TemplateLookup } = {}): LintResult {
  const findings: LintFinding[] = [];
  const valid: LintResult["valid"] = [];
  let foreign = 0;
  for (const doc of docs) {
    const location = documentLocation(doc);
    if (doc.syntaxErrors.length > 0) {
      for (const message of doc.syntaxErrors) findings.push({ location, object: "YAML", path: "", message });
      continue;
    }
    for (const p of notificationProblems(doc.content)) findings.push({ location, object: describeObject(doc.content), path: p.path, message: p.message });
    const result = parseSluiceObject(doc.content);
    if (result.status === "foreign") foreign++;
    else if (result.status === "invalid") {
      for (const e of result.errors) findings.push({ location, object: describeObject(doc.content), path: e.path, message: e.message });
    } else valid.push({ doc, object: result.object });
  }

  const lookup = templatesIn(valid.map((v) => v.object), options.clusterLookup);
  const whereLooked = options.clusterLookup ? "the files given or the cluster" : "the files given (add its file, or use --cluster to look in the cluster)";
  for (const { doc, object } of valid) {
    if (object.kind !== "Rollout") continue;
    for (const problem of templateReferenceProblems(object.value, lookup, whereLooked)) {
      findings.push({ location: documentLocation(doc), object: describeObject(doc.content), path: formatPath(problem.path), message: problem.message });
    }
  }
  return { findings, warnings: valid.flatMap(templateWarnings), valid, foreign };
}

/** Compare metrics whose points overlap (range longer than step), when the range is written out in the query. */
function templateWarnings({ doc, object }: LintResult["valid"][number]): LintFinding[] {
  if (object.kind !== "AnalysisTemplate" && object.kind !== "ClusterAnalysisTemplate") return [];
  return object.value.spec.metrics.flatMap((metric, i) => {
    const compare = metric.compare;
    const warning = compare?.query !== undefined ? overlapWarning(compare.query, durationToMs(compare.step) ?? 0) : undefined;
    return warning ? [{ location: documentLocation(doc), object: describeObject(doc.content), path: `spec.metrics[${i}].compare.step`, message: warning }] : [];
  });
}

export function formatFinding(f: LintFinding, prefix = ""): string {
  return `${f.location}: ${f.object}: ${f.path ? `${f.path}: ` : ""}${prefix}${f.message}`;
}
