/**
 * The peers' own manifests (README.md here) put through `sluice import` and `sluice lint`, for the survey
 * script (survey.ts) and the corpus test (corpus.test.ts): one piece of code, so the test checks what the
 * survey reports.
 */
import { dirname, relative } from "node:path";
import { splitManifest } from "../../src/api/manifest-documents.ts";
import { manifestFiles, readManifests } from "../../src/cli/files.ts";
import { importDocuments, joinDocuments } from "../../src/cli/import/import-documents.ts";
import { formatFinding, lintDocuments } from "../../src/cli/lint/lint-manifests.ts";

export const HERE = import.meta.dirname;
export const PROJECTS = ["argo", "flagger"] as const;

export type Outcome = {
  file: string;
  /** Documents `sluice import` reports as imported (its "N document(s) imported"). */
  imported: number;
  /** NOT TRANSLATED notes in the output. */
  notTranslated: number;
  /** sluice objects in the output that lint accepted. */
  objects: number;
  clean: boolean;
  /** The first lint finding, or why the file could not be imported or linted. */
  firstMessage: string;
};

/**
 * Where a Canary's target comes from when its own directory has none: the tutorials apply kustomize/podinfo,
 * the e2e scripts under test/<provider>/ apply test/workloads (test/workloads/init.sh). The first prefix that
 * matches the Canary's directory (relative to test/import/flagger) wins.
 */
const WORKLOADS: [prefix: string, files: string[]][] = [
  ["artifacts/", ["kustomize/podinfo/deployment.yaml", "kustomize/podinfo/hpa.yaml"]],
  ["test/", ["test/workloads/deployment.yaml", "test/workloads/daemonset.yaml"]],
];

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Import `files` together (as one `sluice import` run) and lint the output; `shown` names them in the report. */
export function survey(shown: string, files: string[]): Outcome {
  const outcome: Outcome = { file: shown, imported: 0, notTranslated: 0, objects: 0, clean: false, firstMessage: "" };
  let text: string;
  try {
    const imported = importDocuments(readManifests(files));
    outcome.imported = imported.length;
    outcome.notTranslated = imported.reduce((n, d) => n + d.dropped, 0);
    text = joinDocuments(imported);
  } catch (e) {
    outcome.firstMessage = `import failed: ${message(e)}`;
    return outcome;
  }
  try {
    const lint = lintDocuments(splitManifest(`${shown} (imported)`, text));
    outcome.objects = lint.valid.length;
    outcome.clean = lint.findings.length === 0;
    const first = lint.findings[0];
    if (first) outcome.firstMessage = `${formatFinding(first)}${lint.findings.length > 1 ? ` (+${lint.findings.length - 1} more)` : ""}`;
  } catch (e) {
    outcome.firstMessage = `lint failed: ${message(e)}`;
  }
  return outcome;
}

export function line(o: Outcome): string {
  const verdict = o.clean ? "lint clean" : `LINT FAILS: ${o.firstMessage}`;
  return `${o.file}: ${o.imported} document(s) imported, ${o.notTranslated} NOT TRANSLATED, ${o.objects} sluice object(s), ${verdict}`;
}

export function total(what: string, outcomes: Outcome[]): string {
  const clean = outcomes.filter((o) => o.clean).length;
  const failedImport = outcomes.filter((o) => o.firstMessage.startsWith("import failed")).length;
  const withObjects = outcomes.filter((o) => o.objects > 0).length;
  const withNotes = outcomes.filter((o) => o.notTranslated > 0).length;
  const notes = outcomes.reduce((n, o) => n + o.notTranslated, 0);
  return (
    `${outcomes.length} ${what}: ${clean} clean output(s), ${outcomes.length - clean} not clean (${failedImport} of them not importable), ` +
    `${withObjects} with at least one sluice object, ${withNotes} with NOT TRANSLATED notes (${notes} notes)`
  );
}

export const shownPath = (path: string) => relative(process.cwd(), path) || path;
export const kinds = (file: string) => readManifests([file]).map((d) => (typeof d.content === "object" && d.content !== null ? (d.content as { kind?: unknown }).kind : undefined));

/** A Flagger Canary's file and its companions (see the header). */
export function withCompanions(file: string, all: string[]): string[] {
  const others = all.filter((f) => f !== file && dirname(f) === dirname(file) && !kinds(f).includes("Canary"));
  if (others.some((f) => kinds(f).some((k) => k === "Deployment" || k === "DaemonSet"))) return [file, ...others];
  const dir = relative(`${HERE}/flagger`, dirname(file));
  const workloads = WORKLOADS.find(([prefix]) => `${dir}/`.startsWith(prefix))?.[1] ?? [];
  return [file, ...others, ...workloads.map((w) => `${HERE}/flagger/${w}`)];
}


/** The YAML files of one project's corpus. */
export const corpusFiles = (project: (typeof PROJECTS)[number]): string[] => manifestFiles([`${HERE}/${project}`]).filter((f) => /\.ya?ml$/.test(f));
