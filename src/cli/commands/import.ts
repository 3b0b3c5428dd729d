/** `sluice import FILE|DIR... [-o DIR]`: Argo Rollouts and Flagger manifests -> sluice manifests. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { CommandModule } from "yargs";
import { readManifests } from "../files.ts";
import { importDocuments, joinDocuments, type ImportedDocument } from "../import/import-documents.ts";

type ImportArgs = { paths: string[]; output?: string | undefined; meshProvider?: string | undefined; keepDeployment?: boolean | undefined };

/** The deepest directory holding every source: outputs keep their paths below it, so same-named inputs never collide. */
function commonDirectory(sources: readonly string[]): string {
  const dirs = sources.map((s) => resolve(dirname(s)).split(sep));
  const first = dirs[0] ?? [];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && i < d.length && d[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

export function importCommand(setExitCode: (code: number) => void): CommandModule<object, ImportArgs> {
  return {
    command: "import <paths..>",
    describe: "Translate Argo Rollouts (Rollout, AnalysisTemplate) and Flagger (Canary, MetricTemplate) manifests into sluice manifests",
    builder: (y) =>
      y
        .positional("paths", { type: "string", array: true, demandOption: true, describe: "Files or directories (walked for *.yaml, *.yml, *.json)" })
        .option("output", { alias: "o", type: "string", describe: "Write one file per input file into this directory (keeping the inputs' relative paths) instead of stdout" })
        .option("mesh-provider", {
          type: "string",
          describe: "Flagger's --mesh-provider: the provider of Canaries without spec.provider (default istio, as Flagger's)",
        })
        .option("keep-deployment", {
          type: "boolean",
          describe: "Flagger: keep each Canary's Deployment and point the Rollout at it (workloadRef, scaled to 0 once Healthy) instead of inlining its template",
        }),
    handler: (args) => {
      const imported = importDocuments(readManifests(args.paths), { meshProvider: args.meshProvider, keepDeployment: args.keepDeployment });
      const dropped = imported.reduce((n, d) => n + d.dropped, 0);
      if (args.output) {
        mkdirSync(args.output, { recursive: true });
        const byFile = new Map<string, ImportedDocument[]>();
        for (const d of imported) byFile.set(d.source, [...(byFile.get(d.source) ?? []), d]);
        const root = commonDirectory([...byFile.keys()]);
        for (const [source, documents] of byFile) {
          const target = join(args.output, relative(root, resolve(source)).replace(/\.json$/, ".yaml"));
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, joinDocuments(documents));
          process.stderr.write(`wrote ${target}\n`);
        }
      } else process.stdout.write(joinDocuments(imported));
      // The summary goes to stderr so stdout stays a manifest stream (`sluice import x | kubectl apply -f -`).
      process.stderr.write(`${imported.length} document(s) imported, ${dropped} thing(s) not translated${dropped > 0 ? " (see the NOT TRANSLATED comments)" : ""}\n`);
      setExitCode(dropped > 0 ? 1 : 0);
    },
  };
}
