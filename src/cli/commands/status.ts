/**
 * `sluice status NAME [--timeout 10m]`: for CI/CD pipelines. Prints a line whenever the rollout's state
 * changes; exits 0 when it is Healthy on the current spec, 1 when Degraded or Aborted, 2 on timeout.
 */
import type { CommandModule } from "yargs";
import { durationToMs, formatDuration } from "../../api/duration.ts";
import type { Rollout } from "../../api/rollout.ts";
import { connect, type GlobalArgs } from "../cluster.ts";
import { UserError } from "../errors.ts";
import { readRolloutState } from "../rollout-state.ts";
import { statusVerdict } from "../status-verdict.ts";
import { summaryLine } from "../watch/live-output.ts";
import { watchRollout } from "../watch/watch-rollout.ts";

type StatusArgs = GlobalArgs & { name: string; timeout: string };

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: "status <name>",
  describe: "Wait for a rollout to finish: exit 0 Healthy, 1 Degraded/Aborted, 2 timeout (for pipelines)",
  builder: (y) =>
    y
      .positional("name", { type: "string", demandOption: true, describe: "Rollout name" })
      .option("timeout", { type: "string", default: "10m", describe: "How long to wait (e.g. 90s, 10m, 1h)" }),
  handler: async (args) => {
    const timeoutMs = durationToMs(/^\d+$/.test(args.timeout) ? Number(args.timeout) : args.timeout);
    if (timeoutMs === undefined) throw new UserError(`--timeout must be a duration such as 90s, 10m or 1h (got "${args.timeout}")`);
    const cluster = connect(args);
    let last = "";
    let latest: Rollout | undefined;
    const report = (rollout: Rollout): boolean => {
      latest = rollout;
      const line = summaryLine(rollout, new Date());
      if (line.slice(10) !== last) process.stdout.write(`${line}\n`);
      last = line.slice(10);
      return statusVerdict(rollout).done;
    };
    const verdict = await new Promise<Rollout>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        const where = latest?.status ? `still ${latest.status.phase ?? "Progressing"}${latest.status.message ? `: ${latest.status.message}` : ""}` : "no status yet";
        reject(new UserError(`rollout "${args.name}" did not finish within ${formatDuration(timeoutMs)} (${where})`, 2));
      }, timeoutMs);
      const watcher = watchRollout(cluster, args.name, (event) => {
        if (event.kind === "deleted") {
          stop();
          reject(new UserError(`rollout "${args.name}" was deleted`, 1));
        } else if (event.kind === "error") {
          process.stderr.write(`${event.message}\n`);
        } else if (report(event.state.rollout)) {
          stop();
          resolve(event.state.rollout);
        }
      });
      const stop = () => {
        clearTimeout(timer);
        watcher.stop();
      };
      // A wrong name fails at once rather than at the timeout.
      readRolloutState(cluster, args.name).then((state) => {
        if (report(state.rollout)) {
          stop();
          resolve(state.rollout);
        }
      }, (error: unknown) => {
        stop();
        reject(error);
      });
    });
    const result = statusVerdict(verdict);
    if (!result.done) return;
    if (result.exitCode === 0) process.stdout.write(`${result.message}\n`);
    else throw new UserError(result.message, 1);
  },
};
