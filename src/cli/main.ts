/** The sluice command line: global options and the command list. */
import yargs from "yargs";
import { controllerCommand } from "./commands/controller.ts";
import { lintCommand } from "./commands/lint.ts";
import { sandboxCommand } from "./commands/sandbox.ts";
import { abortCommand } from "./commands/abort.ts";
import { analyzeCommand } from "./commands/analyze.ts";
import { getCommand } from "./commands/get.ts";
import { importCommand } from "./commands/import.ts";
import { statusCommand } from "./commands/status.ts";
import { pauseCommand, resumeCommand } from "./commands/pause-resume.ts";
import { promoteCommand } from "./commands/promote.ts";
import { restartCommand } from "./commands/restart.ts";
import { retryCommand } from "./commands/retry.ts";
import { setCommand } from "./commands/set-image.ts";
import { undoCommand } from "./commands/undo.ts";
import { versionCommand } from "./commands/version.ts";
import { UserError } from "./errors.ts";

export async function runCli(args: string[]): Promise<number> {
  let exitCode = 0;
  const cli = yargs(args)
    .scriptName(process.argv[1]?.includes("kubectl-sluice") ? "kubectl sluice" : "sluice")
    .option("kubeconfig", { type: "string", describe: "Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)", global: true })
    .option("context", { type: "string", describe: "kubeconfig context to use", global: true })
    .option("namespace", { alias: "n", type: "string", describe: "Namespace (default: the context's)", global: true })
    .command(lintCommand((code) => (exitCode = code)))
    .command(controllerCommand)
    .command(sandboxCommand((code) => (exitCode = code)))
    .command(getCommand)
    .command(promoteCommand)
    .command(abortCommand)
    .command(retryCommand)
    .command(pauseCommand)
    .command(resumeCommand)
    .command(restartCommand)
    .command(setCommand)
    .command(undoCommand)
    .command(statusCommand)
    .command(importCommand((code) => (exitCode = code)))
    .command(analyzeCommand)
    .command(versionCommand)
    // `sluice completion >> ~/.bashrc` (or ~/.zshrc): yargs' own completion script.
    .completion("completion", "Print a bash/zsh completion script for sluice")
    .demandCommand(1, "Name a command; `sluice --help` lists them.")
    .strict()
    .recommendCommands()
    // Throwing (rather than printing) stops yargs there: a command with missing arguments must not run anyway.
    .fail((message, error) => {
      if (error) throw error;
      throw new UserError(`${message}\nRun with --help for usage.`, 2);
    })
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100));
  try {
    await cli.parseAsync();
  } catch (error) {
    // Messages only: user errors say what to do, API errors say what the server answered; stacks help no one here.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UserError ? error.exitCode : 1;
  }
  return exitCode;
}
