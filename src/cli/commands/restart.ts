/** `sluice restart NAME`: new pods for the same version, through the steps (as `kubectl rollout restart`). */
import type { CommandModule } from "yargs";
import { restart } from "../actions/spec-changes.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { patchRollout } from "../rollout-access.ts";

type NameArgs = GlobalArgs & { name: string };

export const restartCommand: CommandModule<object, NameArgs> = {
  command: "restart <name>",
  describe: "Replace every pod with a new one, rolling out through the steps like a new version",
  builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "Rollout name" }),
  handler: async (args) => {
    const { said } = await patchRollout(connect(args), args.name, (raw) => restart(raw, new Date()));
    process.stdout.write(`${said}\n`);
  },
};
