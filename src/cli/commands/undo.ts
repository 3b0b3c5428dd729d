/** `sluice undo NAME [--to-revision N]`: roll back to an earlier pod template. */
import type { CommandModule } from "yargs";
import { undo } from "../actions/undo.ts";
import { ROLLOUT_LABEL } from "../../controller/labels.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { typedRollout, updateRollout } from "../rollout-access.ts";

type UndoArgs = GlobalArgs & { name: string; "to-revision"?: number | undefined };

export const undoCommand: CommandModule<object, UndoArgs> = {
  command: "undo <name>",
  describe: "Put back the pod template of an earlier revision (default: the one before the current)",
  builder: (y) =>
    y
      .positional("name", { type: "string", demandOption: true, describe: "Rollout name" })
      .option("to-revision", { type: "number", describe: "Revision number (sluice.dev/revision of its ReplicaSet; see `sluice get rollout`)" }),
  handler: async (args) => {
    const cluster = connect(args);
    const { said } = await updateRollout(cluster, args.name, async (raw) => {
      const sets = await cluster.kube.list("apps/v1", "ReplicaSet", cluster.namespace, `${ROLLOUT_LABEL}=${args.name}`);
      return undo(raw, sets, typedRollout(raw).status?.currentPodHash, args["to-revision"]);
    });
    process.stdout.write(`${said}\n`);
  },
};
