/** `sluice import FILE|DIR... [-o DIR]`: Argo Rollouts and Flagger manifests -> sluice manifests. */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { CommandModule } from "yargs";
import { readManifests } from "../files.ts";
import { importDocuments, joinDocuments, type ImportedDocument } from "../import/import-documents.ts";

type ImportArgs = { paths: string[]; output?: string | undefined };

export function importCommand(setExitCode: (code: number) => void): CommandModule<object, ImportArgs> {
  return {
    command: "import <paths..>",
    describe: "Translate Argo Rollouts (Rollout, AnalysisTemplate) and Flagger (Canary, MetricTemplate) manifests into sluice manifests",
    builder: (y) =>
      y
        .positional("paths", { type: "string", array: true, demandOption: true, describe: "Files or directories (walked for *.yaml, *.yml, *.json)" })
        .option("output", { alias: "o", type: "string", describe: "Write one file per input file into this directory instead of stdout" }),
    handler: (args) => {
      const imported = importDocuments(readManifests(args.paths));
      const dropped = imported.reduce((n, d) => n + d.dropped, 0);
      if (args.output) {
        mkdirSync(args.output, { recursive: true });
        const byFile = new Map<string, ImportedDocument[]>();
        for (const d of imported) byFile.set(d.source, [...(byFile.get(d.source) ?? []), d]);
        for (const [source, documents] of byFile) {
          const target = join(args.output, basename(source).replace(/\.json$/, ".yaml"));
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
