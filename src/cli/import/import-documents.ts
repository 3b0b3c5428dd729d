/**
 * `sluice import` without the file system: Argo Rollouts and Flagger documents in, sluice manifests out, with
 * a comment above each object on what did not carry over. Other objects (Services, Ingresses...) pass through.
 */
import { stringify } from "yaml";
import { documentLocation, type ManifestDocument } from "../../api/manifest-documents.ts";
import { UserError } from "../errors.ts";
import { ARGO_API_VERSION, argoTemplateRefs, translateArgoRollout, translateArgoTemplate } from "./argo.ts";
import { FLAGGER_API_VERSIONS, translateFlaggerCanary, type FlaggerImportOptions } from "./flagger.ts";
import { asArray, asRecord, isRecord, Notes, type ImportNote, type Json } from "./notes.ts";

/** `comments` explain `body` (empty when nothing was output for the document: its comments still say why). */
export type ImportedDocument = { source: string; comments: string; body: string; dropped: number };

type Input = { doc: ManifestDocument; content: Json };

const key = (name: unknown, namespace: unknown) => `${String(namespace ?? "default")}/${String(name)}`;

function describe(content: Json): string {
  const meta = asRecord(content.metadata);
  return `${String(content.kind)} ${meta.namespace ? `${String(meta.namespace)}/` : ""}${String(meta.name ?? "")}`;
}

function commentBlock(location: string, content: Json, notes: ImportNote[]): string {
  if (notes.length === 0) return "";
  const lines = [`# sluice import: ${location}: ${describe(content)} (${String(content.apiVersion)})`];
  for (const n of notes) lines.push(`#   ${n.severity === "dropped" ? "NOT TRANSLATED" : "note"}: ${n.path}: ${n.message}`);
  return `${lines.join("\n")}\n`;
}

export type ImportOptions = FlaggerImportOptions;

export function importDocuments(docs: ManifestDocument[], options: ImportOptions = {}): ImportedDocument[] {
  const inputs: Input[] = [];
  for (const doc of docs) {
    if (doc.syntaxErrors.length > 0) throw new UserError(`${documentLocation(doc)}: ${doc.syntaxErrors.join("; ")}`);
    if (isRecord(doc.content)) inputs.push({ doc, content: doc.content });
  }
  const ofKind = (apiVersion: string | readonly string[], kind: string) =>
    inputs.filter((i) => i.content.kind === kind && (typeof apiVersion === "string" ? String(i.content.apiVersion).startsWith(apiVersion) : apiVersion.includes(String(i.content.apiVersion))));
  const deployments = new Map(ofKind("apps/", "Deployment").map((i) => [key(asRecord(i.content.metadata).name, asRecord(i.content.metadata).namespace), i.content]));
  const metricTemplates = new Map(ofKind(FLAGGER_API_VERSIONS, "MetricTemplate").map((i) => [key(asRecord(i.content.metadata).name, asRecord(i.content.metadata).namespace), i.content]));
  // What the Canaries use is folded into their output; the objects themselves are then not output.
  const canaries = ofKind(FLAGGER_API_VERSIONS, "Canary");
  // Canary -> its Deployment, by namespace/name; an unnamespaced Deployment (kustomize layouts leave the
  // namespace to the overlay) is the one of that name in any Canary's namespace, as the lookup below finds it.
  const usedDeployments = new Map<string, string>();
  const usedDeploymentNames = new Map<string, string>();
  const usedTemplates = new Map<string, string>();
  // An Argo Rollout's workloadRef Deployment stays (Argo scales it down rather than deleting it), so it passes through.
  for (const c of canaries) {
    const meta = asRecord(c.content.metadata);
    const spec = asRecord(c.content.spec);
    const ns = meta.namespace ?? "default";
    usedDeployments.set(key(asRecord(spec.targetRef).name, ns), String(meta.name));
    usedDeploymentNames.set(String(asRecord(spec.targetRef).name ?? meta.name), String(meta.name));
    for (const m of asArray(asRecord(spec.analysis ?? spec.canaryAnalysis).metrics)) {
      const ref = asRecord(asRecord(m).templateRef);
      if (ref.name) usedTemplates.set(key(ref.name, ref.namespace ?? ns), String(meta.name));
    }
  }
  // Argo templates among the inputs that translate to nothing (a Job or Web provider): a Rollout naming one
  // would reference a template that is not in the output, so its own comment says so too.
  const untranslatable = new Set(
    ofKind(ARGO_API_VERSION, "AnalysisTemplate")
      .concat(ofKind(ARGO_API_VERSION, "ClusterAnalysisTemplate"))
      .filter((i) => translateArgoTemplate(i.content, new Notes()) === undefined)
      .map((i) => `${String(i.content.kind)}/${String(asRecord(i.content.metadata).name)}`),
  );
  const usedBy = (meta: Json): string | undefined =>
    meta.namespace === undefined ? usedDeploymentNames.get(String(meta.name)) : usedDeployments.get(key(meta.name, meta.namespace));
  const lookup = (map: Map<string, Json>) => (name: string, namespace: string) =>
    map.get(key(name, namespace)) ?? [...map.values()].find((o) => asRecord(o.metadata).name === name && asRecord(o.metadata).namespace === undefined);

  return inputs.map(({ doc, content }) => {
    const notes = new Notes();
    const location = documentLocation(doc);
    const meta = asRecord(content.metadata);
    const apiVersion = String(content.apiVersion ?? "");
    let objects: Json[];
    if (apiVersion === ARGO_API_VERSION && content.kind === "Rollout") {
      objects = [translateArgoRollout(content, notes, lookup(deployments))];
      for (const ref of argoTemplateRefs(content)) {
        const kind = ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
        if (untranslatable.has(`${kind}/${ref.name}`)) notes.dropped(ref.path, `${kind} ${ref.name} could not be translated (see its comment), so this analysis has no template in the output`);
      }
    }
    else if (apiVersion === ARGO_API_VERSION && (content.kind === "AnalysisTemplate" || content.kind === "ClusterAnalysisTemplate")) {
      const template = translateArgoTemplate(content, notes);
      objects = template ? [template] : [];
    } else if (apiVersion.startsWith("argoproj.io/")) {
      notes.dropped("kind", `${String(content.kind)} has no sluice equivalent`);
      objects = [];
    } else if (FLAGGER_API_VERSIONS.includes(apiVersion) && content.kind === "Canary") {
      objects = translateFlaggerCanary(content, notes, lookup(deployments), lookup(metricTemplates), options);
    } else if (FLAGGER_API_VERSIONS.includes(apiVersion) && content.kind === "MetricTemplate") {
      const user = usedTemplates.get(key(meta.name, meta.namespace));
      if (user) notes.info("spec.query", `folded into AnalysisTemplate ${user}-analysis with the thresholds of Canary ${user}`);
      else notes.dropped("spec", "no Canary among the inputs uses it, and a sluice metric needs the Canary's threshold; import it together with its Canary");
      objects = [];
    } else if (apiVersion.startsWith("flagger.app/") && (content.kind === "MetricTemplate" || content.kind === "Canary")) {
      notes.dropped("apiVersion", `${apiVersion} is not a version sluice reads (${FLAGGER_API_VERSIONS.join(", ")}); change the apiVersion to ${FLAGGER_API_VERSIONS[0] ?? ""} to import this ${String(content.kind)}`);
      objects = [];
    } else if (apiVersion.startsWith("flagger.app/")) {
      notes.dropped("kind", `${String(content.kind)} has no sluice equivalent`);
      objects = [];
    } else if (content.kind === "Deployment" && usedBy(meta) !== undefined && !options.keepDeployment) {
      notes.info("spec.template", `now in Rollout ${String(meta.name)} (Canary ${usedBy(meta)})`);
      objects = [];
    } else objects = [content];
    const body = objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
    return { source: doc.source, comments: commentBlock(location, content, notes.list), body, dropped: notes.list.filter((n) => n.severity === "dropped").length };
  });
}

/**
 * One YAML stream. Comments of a document that produced nothing go above the next object (or at the end),
 * never into a document of their own: a comment-only document would be an empty manifest to kubectl.
 */
export function joinDocuments(documents: ImportedDocument[]): string {
  const parts: string[] = [];
  let pending = "";
  for (const d of documents) {
    if (d.body === "") {
      pending += d.comments;
      continue;
    }
    parts.push(pending + d.comments + d.body);
    pending = "";
  }
  return parts.join("---\n") + pending;
}
