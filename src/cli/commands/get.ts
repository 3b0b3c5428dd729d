/** `sluice get rollout NAME [--watch]` and `sluice get rollouts`. */
import type { Argv, CommandModule } from "yargs";
import { API_GROUP_VERSION } from "../../api/group.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { UserError } from "../errors.ts";
import { formatObjects, outputOption, terminalWidth, type OutputFormat } from "../output-format.ts";
import { typedRollout } from "../rollout-access.ts";
import { readRolloutState, type RolloutState } from "../rollout-state.ts";
import { renderRollout } from "../view/render-rollout.ts";
import { renderRolloutsTable } from "../view/rollouts-table.ts";
import { useColour } from "../view/style.ts";
import { liveOutput } from "../watch/live-output.ts";
import { watchRollout } from "../watch/watch-rollout.ts";

type ReadArgs = GlobalArgs & { output?: OutputFormat; color: boolean };
type GetRolloutArgs = ReadArgs & { name: string; watch: boolean };

const colourOption = { type: "boolean", default: true, describe: "Colours on a terminal (--no-color, or NO_COLOR, turns them off)" } as const;

function frame(state: RolloutState, colour: boolean): string {
  return renderRollout({ rollout: state.rollout, replicaSets: state.replicaSets, analysisRuns: state.analysisRuns, now: new Date(), width: terminalWidth(process.stdout), colour });
}

/** Until Ctrl-C: redraw on every watch event. Resolves (exit 0) on SIGINT/SIGTERM; throws if the rollout goes away. */
async function watchView(args: GetRolloutArgs, colour: boolean): Promise<void> {
  const cluster = connect(args);
  const isTTY = process.stdout.isTTY === true;
  const output = liveOutput(process.stdout, isTTY);
  let watcher: { stop(): void } | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = () => resolve();
      process.once("SIGINT", finish);
      process.once("SIGTERM", finish);
      // Fail fast on a wrong name instead of waiting for events that never come.
      readRolloutState(cluster, args.name).then(
        (state) => output.update(state.rollout, () => frame(state, colour)),
        reject,
      );
      watcher = watchRollout(cluster, args.name, (event) => {
        if (event.kind === "deleted") reject(new UserError(`rollout "${args.name}" was deleted`));
        else if (event.kind === "error") process.stderr.write(`${event.message}\n`);
        else output.update(event.state.rollout, () => frame(event.state, colour));
      });
    });
  } finally {
    watcher?.stop();
    output.stop();
  }
}

const getRollout: CommandModule<ReadArgs, GetRolloutArgs> = {
  command: "rollout <name>",
  describe: "Show a rollout: phase, steps, weights, images, ReplicaSets and analysis",
  builder: (y) =>
    y
      .positional("name", { type: "string", demandOption: true, describe: "Rollout name" })
      .option("watch", { alias: "w", type: "boolean", default: false, describe: "Keep showing changes (watch API) until Ctrl-C" }),
  handler: async (args) => {
    const colour = useColour({ noColor: !args.color, isTTY: process.stdout.isTTY === true, env: process.env });
    if (args.watch) {
      if (args.output) throw new UserError("--watch shows the view; leave out -o");
      return watchView(args, colour);
    }
    const state = await readRolloutState(connect(args), args.name);
    process.stdout.write(args.output ? formatObjects(state.raw, args.output) : frame(state, colour));
  },
};

type GetRolloutsArgs = ReadArgs & { "all-namespaces": boolean };

const getRollouts: CommandModule<ReadArgs, GetRolloutsArgs> = {
  command: "rollouts",
  describe: "List the rollouts in the namespace (or in all of them with -A)",
  builder: (y) => y.option("all-namespaces", { alias: "A", type: "boolean", default: false, describe: "List rollouts in every namespace" }),
  handler: async (args) => {
    const cluster = connect(args);
    const all = args["all-namespaces"];
    // An empty namespace lists across all namespaces.
    const raw = await cluster.kube.list(API_GROUP_VERSION, "Rollout", all ? "" : cluster.namespace);
    if (args.output) {
      process.stdout.write(formatObjects({ apiVersion: "v1", kind: "List", items: raw }, args.output));
      return;
    }
    if (raw.length === 0) {
      process.stderr.write(all ? "no rollouts in any namespace\n" : `no rollouts in namespace "${cluster.namespace}"\n`);
      return;
    }
    const colour = useColour({ noColor: !args.color, isTTY: process.stdout.isTTY === true, env: process.env });
    process.stdout.write(renderRolloutsTable(raw.map(typedRollout), { now: new Date(), width: terminalWidth(process.stdout), colour, allNamespaces: all }));
  },
};

export const getCommand: CommandModule<GlobalArgs, ReadArgs> = {
  command: "get",
  describe: "Show one rollout (get rollout NAME [--watch]) or list them (get rollouts)",
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option("output", outputOption)
      .option("color", colourOption)
      .command(getRollout)
      .command(getRollouts)
      .demandCommand(1, "Name what to get: `sluice get rollout NAME` or `sluice get rollouts`") as unknown as Argv<ReadArgs>,
  handler: () => undefined,
};
