/** `sluice sandbox`: a whole canary on this machine (scenarios), and `sluice sandbox api`: just the API server. */
import type { CommandModule } from "yargs";
import { createLogger } from "../../kube/logger.ts";
import { runSandbox } from "../../sandbox/run-sandbox.ts";
import { scenariosFor, SCENARIOS } from "../../sandbox/scenario/scenarios.ts";
import { sandboxApiCommand } from "./sandbox-api.ts";

type SandboxArgs = { scenario: string; headless: boolean; keep: boolean; speed: number; auto: boolean; "log-level": string; "kubeconfig-out"?: string | undefined };

const runCommand = (setExitCode: (code: number) => void): CommandModule<object, SandboxArgs> => ({
  command: "$0",
  describe: "Run a canary (or blue-green) scenario end to end: API server, controller, real pods, gateway, Prometheus, traffic",
  builder: (y) =>
    y
      .option("scenario", {
        type: "string",
        default: "demo",
        describe: `demo (canary-abort then canary-promote), ${Object.keys(SCENARIOS).join(", ")}`,
      })
      .option("headless", { type: "boolean", default: false, describe: "Plain lines instead of the live view (for CI)" })
      .option("keep", { type: "boolean", default: false, describe: "Leave everything running at the end and print the kubeconfig" })
      .option("speed", { type: "number", default: 1, describe: "Divide every wait (analysis delays, pauses) by this" })
      .option("auto", { type: "boolean", default: false, describe: "blue-green: promote automatically instead of waiting for `sluice promote`" })
      .option("kubeconfig-out", { type: "string", describe: "Where to write the sandbox cluster's kubeconfig" })
      .option("log-level", { type: "string", default: "silent", choices: ["silent", "error", "warn", "info", "debug"], describe: "Logs of the controller and the sandbox (to stderr)" }),
  handler: async (args) => {
    const scenarios = scenariosFor(args.scenario);
    if (!scenarios) throw new Error(`unknown scenario "${args.scenario}"; choose demo, ${Object.keys(SCENARIOS).join(", ")}`);
    if (!(args.speed > 0)) throw new Error(`--speed must be a positive number (got ${args.speed})`);
    const ok = await runSandbox({
      scenarios,
      speed: args.speed,
      headless: args.headless,
      keep: args.keep,
      autoPromote: args.auto,
      out: process.stdout,
      log: createLogger(args["log-level"], "json"),
      kubeconfigPath: args["kubeconfig-out"],
    });
    setExitCode(ok ? 0 : 1);
  },
});

export function sandboxCommand(setExitCode: (code: number) => void): CommandModule {
  return {
    command: "sandbox",
    describe: "The no-cluster playground: `sluice sandbox` runs a canary end to end; `sluice sandbox api` serves just the Kubernetes API server",
    builder: (y) => y.command(sandboxApiCommand).command(runCommand(setExitCode)),
    handler: () => undefined,
  };
}
