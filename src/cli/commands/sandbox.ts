/** `sluice sandbox ...`: the no-cluster playground. `sandbox api` serves just the Kubernetes API server. */
import type { CommandModule } from "yargs";
import { sandboxApiCommand } from "./sandbox-api.ts";

export const sandboxCommand: CommandModule = {
  command: "sandbox <command>",
  describe: "The no-cluster playground (sandbox api: a Kubernetes API server for tests and experiments)",
  builder: (y) => y.command(sandboxApiCommand).demandCommand(1, "Name a sandbox command, e.g. `sluice sandbox api`."),
  handler: () => undefined,
};
