/** `sluice abort NAME`: send all traffic back to stable and scale the new version down. */
import type { CommandModule } from "yargs";
import { abort } from "../actions/abort-retry.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { updateStatus } from "../rollout-access.ts";

type NameArgs = GlobalArgs & { name: string };

export const abortCommand: CommandModule<object, NameArgs> = {
  command: "abort <name>",
  describe: "Abort the revision in progress: all traffic back to the stable version",
  builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "Rollout name" }),
  handler: async (args) => {
    const { said } = await updateStatus(connect(args), args.name, abort);
    process.stdout.write(`${said}\n`);
  },
};
