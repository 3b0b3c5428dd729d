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
import { dirname } from "node:path";
import { corpusFiles, kinds, line, PROJECTS, shownPath, survey, total, withCompanions } from "./corpus.ts";

const totals: string[] = [];
for (const project of PROJECTS) {
  const files = corpusFiles(project);
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
