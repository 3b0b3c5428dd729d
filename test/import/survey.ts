/**
 * Survey of the peers' own manifests (see README.md here): for every YAML file under test/import/argo and
 * test/import/flagger, what `sluice import` makes of it and whether that output passes `sluice lint`.
 * A script, not a test: a file whose output does not lint clean (or that cannot be imported at all) is data
 * for the next fixes, so the survey reports it and goes on. It only reads files and prints.
 *
 * First one line per file (each file imported alone), then one line per directory (its YAML files imported
 * together, as `sluice import DIR` would, not descending into subdirectories): a Flagger Canary alone has no
 * Deployment to take the pod template from and an Argo Rollout alone may name templates kept in another file,
 * so the per-file "lint clean" of a file that produced no sluice object says little; the object count shows it.
 * Last, for Flagger, one line per file holding a Canary, imported with what upstream applies alongside it: the
 * other files of its directory that hold no Canary (Deployments, HPAs, the MetricTemplates of the same e2e
 * script) and, when none of them is a workload, the workload its setup applies (WORKLOADS below).
 *
 *   .ci/node node test/import/survey.ts
 */
import { dirname, relative } from "node:path";
import { splitManifest } from "../../src/api/manifest-documents.ts";
import { manifestFiles, readManifests } from "../../src/cli/files.ts";
import { importDocuments, joinDocuments } from "../../src/cli/import/import-documents.ts";
import { formatFinding, lintDocuments } from "../../src/cli/lint/lint-manifests.ts";

const HERE = import.meta.dirname;
const PROJECTS = ["argo", "flagger"] as const;

type Outcome = {
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
function survey(shown: string, files: string[]): Outcome {
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

function line(o: Outcome): string {
  const verdict = o.clean ? "lint clean" : `LINT FAILS: ${o.firstMessage}`;
  return `${o.file}: ${o.imported} document(s) imported, ${o.notTranslated} NOT TRANSLATED, ${o.objects} sluice object(s), ${verdict}`;
}

function total(what: string, outcomes: Outcome[]): string {
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

const shownPath = (path: string) => relative(process.cwd(), path) || path;
const kinds = (file: string) => readManifests([file]).map((d) => (typeof d.content === "object" && d.content !== null ? (d.content as { kind?: unknown }).kind : undefined));

/** A Flagger Canary's file and its companions (see the header). */
function withCompanions(file: string, all: string[]): string[] {
  const others = all.filter((f) => f !== file && dirname(f) === dirname(file) && !kinds(f).includes("Canary"));
  if (others.some((f) => kinds(f).some((k) => k === "Deployment" || k === "DaemonSet"))) return [file, ...others];
  const dir = relative(`${HERE}/flagger`, dirname(file));
  const workloads = WORKLOADS.find(([prefix]) => `${dir}/`.startsWith(prefix))?.[1] ?? [];
  return [file, ...others, ...workloads.map((w) => `${HERE}/flagger/${w}`)];
}

const totals: string[] = [];
for (const project of PROJECTS) {
  const files = manifestFiles([`${HERE}/${project}`]).filter((f) => /\.ya?ml$/.test(f));
  const perFile = files.map((f) => survey(shownPath(f), [f]));
  const directories = [...new Set(files.map((f) => dirname(f)))];
  const perDirectory = directories.map((d) => survey(`${shownPath(d)}/`, files.filter((f) => dirname(f) === d)));
  console.log(`## ${project}: each file alone`);
  for (const o of perFile) console.log(line(o));
  console.log("");
  console.log(`## ${project}: each directory's files together`);
  for (const o of perDirectory) console.log(line(o));
  console.log("");
  totals.push(`${project}: ${total("file(s)", perFile)}`, `${project}: ${total("directory(ies)", perDirectory)}`);
  if (project !== "flagger") continue;
  const canaries = files.filter((f) => kinds(f).includes("Canary"));
  const paired = canaries.map((f) => {
    const together = withCompanions(f, files);
    return survey(`${shownPath(f)} + ${together.length - 1} companion file(s)`, together);
  });
  console.log(`## ${project}: each Canary file with its companions`);
  for (const o of paired) console.log(line(o));
  console.log("");
  totals.push(`${project}: ${total("Canary file(s) with companions", paired)}`);
}
console.log("## totals");
for (const t of totals) console.log(t);
