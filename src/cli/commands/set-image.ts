/** `sluice set image NAME CONTAINER=IMAGE...`: start a new revision with other images. */
import type { Argv, CommandModule } from "yargs";
import { parseImageAssignment, setImage } from "../actions/spec-changes.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { updateRollout } from "../rollout-access.ts";

type SetImageArgs = GlobalArgs & { name: string; assignments: string[] };

const setImageCommand: CommandModule<GlobalArgs, SetImageArgs> = {
  command: "image <name> <assignments..>",
  describe: "Change container images (CONTAINER=IMAGE ...): a new revision that walks the steps",
  builder: (y) =>
    y
      .positional("name", { type: "string", demandOption: true, describe: "Rollout name" })
      .positional("assignments", { type: "string", array: true, demandOption: true, describe: "CONTAINER=IMAGE, e.g. app=acme/web:2" }),
  handler: async (args) => {
    const assignments = args.assignments.map(parseImageAssignment);
    const { said } = await updateRollout(connect(args), args.name, (raw) => {
      // All assignments in one write, so they make one revision rather than one each.
      let object = raw;
      const lines: string[] = [];
      for (const a of assignments) {
        const change = setImage(object, a.container, a.image);
        object = change.object;
        lines.push(change.said);
      }
      return { object, said: lines.join("\n") };
    });
    process.stdout.write(`${said}\n`);
  },
};

export const setCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "set",
  describe: "Change a Rollout's spec (set image)",
  builder: (y: Argv<GlobalArgs>) => y.command(setImageCommand).demandCommand(1, "Name what to set: `sluice set image NAME CONTAINER=IMAGE`"),
  handler: () => undefined,
};
