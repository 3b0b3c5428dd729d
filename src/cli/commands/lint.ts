/** `sluice lint FILE|DIR...`: validate Rollouts and analysis templates before they reach a cluster. */
import type { CommandModule } from "yargs";
import { stringify } from "yaml";
import { withExpandedSteps } from "../../api/canary-steps.ts";
import { readManifests } from "../files.ts";
import { loadKubeConfig, targetNamespace } from "../../kube/kubeconfig.ts";
import { clusterTemplateLookup } from "../lint/cluster-templates.ts";
import { formatFinding, lintDocuments, templatesIn } from "../lint/lint-manifests.ts";

type LintArgs = {
  paths: string[];
  "print-defaults": boolean;
  cluster: boolean;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
};

export function lintCommand(setExitCode: (code: number) => void): CommandModule<object, LintArgs> {
  return {
    command: "lint <paths..>",
    describe: "Validate Rollouts, AnalysisTemplates and ClusterAnalysisTemplates in YAML files or directories",
    builder: (y) =>
      y
        .positional("paths", { type: "string", array: true, demandOption: true, describe: "Files or directories (walked for *.yaml, *.yml, *.json)" })
        .option("print-defaults", {
          type: "boolean",
          default: false,
          describe: "Print every valid object with all defaults applied, as the controller sees it",
        })
        .option("cluster", {
          type: "boolean",
          default: false,
          describe: "Look up analysis templates that the files do not hold in the cluster (--kubeconfig, --context, -n)",
        }),
    handler: async (args) => {
      const docs = readManifests(args.paths);
      let result = lintDocuments(docs);
      if (args.cluster) {
        const kc = loadKubeConfig(args);
        const objects = result.valid.map((v) => v.object);
        const lookup = await clusterTemplateLookup(kc, objects, templatesIn(objects), targetNamespace(kc, args));
        result = lintDocuments(docs, { clusterLookup: lookup });
      }
      if (args["print-defaults"]) {
        const out = result.valid.map(({ object }) =>
          stringify(object.kind === "Rollout" ? withExpandedSteps(object.value) : object.value, { lineWidth: 0 }),
        );
        process.stdout.write(out.join("---\n"));
      }
      // With --print-defaults stdout is YAML for other tools; findings then go to stderr.
      const report = args["print-defaults"] ? process.stderr : process.stdout;
      for (const finding of result.findings) report.write(`${formatFinding(finding)}\n`);
      for (const warning of result.warnings) report.write(`${formatFinding(warning, "warning: ")}\n`);
      const files = new Set(docs.map((d) => d.source)).size;
      const warned = result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : "";
      const summary = `${files} file(s), ${result.valid.length} valid sluice object(s), ${result.foreign} other object(s), ${result.findings.length} problem(s)${warned}`;
      report.write(`${summary}\n`);
      setExitCode(result.findings.length > 0 ? 1 : 0);
    },
  };
}
