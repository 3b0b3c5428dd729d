/** Split multi-document YAML into documents, keeping where each came from for messages. */
import { parseAllDocuments } from "yaml";

export type ManifestDocument = {
  source: string;
  /** 1-based position in the file. */
  index: number;
  /** Documents in the file (so messages only number them when there are several). */
  total: number;
  content: unknown;
  /** YAML syntax errors, with line and column. */
  syntaxErrors: string[];
};

export function splitManifest(source: string, text: string): ManifestDocument[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const parsed = list.map((doc) => ({
    content: doc.errors.length > 0 ? undefined : (doc.toJS({ maxAliasCount: 100 }) as unknown),
    syntaxErrors: doc.errors.map((e) => (e.message.split("\n")[0] ?? e.message).replace(/:\s*$/, "")),
  }));
  // An empty document (a stream ending in "---", or holding only comments) is skipped, as kubectl skips it.
  const nonEmpty = parsed.filter((d) => d.syntaxErrors.length > 0 || (d.content !== null && d.content !== undefined));
  return nonEmpty.map((doc, i) => ({ source, index: i + 1, total: nonEmpty.length, ...doc }));
}

/** "rollout.yaml" or "rollout.yaml (document 2)" */
export function documentLocation(doc: ManifestDocument): string {
  return doc.total > 1 ? `${doc.source} (document ${doc.index})` : doc.source;
}
