/** `sluice retry NAME`: run an aborted revision again from its first step. */
import type { CommandModule } from "yargs";
import { retry } from "../actions/abort-retry.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { updateStatus } from "../rollout-access.ts";

type NameArgs = GlobalArgs & { name: string };

export const retryCommand: CommandModule<object, NameArgs> = {
  command: "retry <name>",
  describe: "Run an aborted revision again from the first step",
  builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "Rollout name" }),
  handler: async (args) => {
    const { said } = await updateStatus(connect(args), args.name, retry);
    process.stdout.write(`${said}\n`);
  },
};
