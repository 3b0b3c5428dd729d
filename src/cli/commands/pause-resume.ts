/** `sluice pause NAME` and `sluice resume NAME`: the user's pause (spec.paused), which holds any step. */
import type { CommandModule } from "yargs";
import { setPaused } from "../actions/spec-changes.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { patchRollout } from "../rollout-access.ts";

type NameArgs = GlobalArgs & { name: string };

function pausedCommand(paused: boolean): CommandModule<object, NameArgs> {
  return {
    command: `${paused ? "pause" : "resume"} <name>`,
    describe: paused ? "Hold the rollout where it is (spec.paused: true)" : "Continue a rollout paused with `sluice pause`",
    builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "Rollout name" }),
    handler: async (args) => {
      const { said } = await patchRollout(connect(args), args.name, (raw) => setPaused(raw, paused));
      process.stdout.write(`${said}\n`);
    },
  };
}

export const pauseCommand = pausedCommand(true);
export const resumeCommand = pausedCommand(false);
