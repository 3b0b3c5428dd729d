/** `sluice promote NAME [--full]`: let a paused step (or the whole rollout) go on. */
import type { CommandModule } from "yargs";
import { promote } from "../actions/promote.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { updateStatus } from "../rollout-access.ts";

type PromoteArgs = GlobalArgs & { name: string; full: boolean };

export const promoteCommand: CommandModule<object, PromoteArgs> = {
  command: "promote <name>",
  describe: "End the current pause (or skip the current step); --full skips every remaining step and analysis",
  builder: (y) =>
    y
      .positional("name", { type: "string", demandOption: true, describe: "Rollout name" })
      .option("full", { type: "boolean", default: false, describe: "Promote to the new version now: skip all remaining steps, pauses and analyses" }),
  handler: async (args) => {
    const { said } = await updateStatus(connect(args), args.name, (rollout) => promote(rollout, { full: args.full }));
    process.stdout.write(`${said}\n`);
  },
};
