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
  const nonEmpty = list.filter((d) => d.contents !== null || d.errors.length > 0);
  return nonEmpty.map((doc, i) => ({
    source,
    index: i + 1,
    total: nonEmpty.length,
    content: doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }),
    syntaxErrors: doc.errors.map((e) => (e.message.split("\n")[0] ?? e.message).replace(/:\s*$/, "")),
  }));
}

/** "rollout.yaml" or "rollout.yaml (document 2)" */
export function documentLocation(doc: ManifestDocument): string {
  return doc.total > 1 ? `${doc.source} (document ${doc.index})` : doc.source;
}
