/** `sluice controller`: the long-running process users deploy. */
import type { CommandModule } from "yargs";
import { loadKubeConfig } from "../../kube/kubeconfig.ts";
import { createLogger, type LogFormat } from "../../kube/logger.ts";
import { startController } from "../../controller/controller.ts";
import { routerFor } from "../../routers/router-for.ts";

type ControllerArgs = {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  workers: number;
  "leader-elect": boolean;
  "leader-elect-namespace": string;
  "metrics-addr": string;
  "health-addr": string;
  "log-level": string;
  "log-format": string;
  "prometheus-address"?: string | undefined;
  "run-analysis": boolean;
};

export const controllerCommand: CommandModule<object, ControllerArgs> = {
  command: "controller",
  describe: "Run the controller: watch Rollouts and carry out their canary or blue-green strategy",
  builder: (y) =>
    y
      .option("workers", { type: "number", default: 4, describe: "Rollouts reconciled in parallel" })
      .option("leader-elect", { type: "boolean", default: false, describe: "Run as one of several replicas; only the holder of the Lease writes" })
      .option("leader-elect-namespace", { type: "string", default: process.env.POD_NAMESPACE ?? "default", describe: "Namespace of the leader-election Lease" })
      .option("metrics-addr", { type: "string", default: ":8090", describe: "host:port serving /metrics (empty = off)" })
      .option("health-addr", { type: "string", default: ":8091", describe: "host:port serving /healthz and /readyz (empty = off)" })
      .option("prometheus-address", { type: "string", describe: "Prometheus for analysis metrics that name no address, e.g. http://prometheus.monitoring:9090" })
      .option("run-analysis", { type: "boolean", default: true, describe: "Execute AnalysisRuns in this process (--no-run-analysis when something else does)" })
      .option("log-level", { type: "string", default: "info", choices: ["trace", "debug", "info", "warn", "error"] })
      .option("log-format", { type: "string", default: "json", choices: ["json", "pretty"] }),
  handler: async (args) => {
    const log = createLogger(args["log-level"], args["log-format"] as LogFormat);
    const kc = loadKubeConfig(args);
    const controller = await startController({
      kc,
      namespace: args.namespace,
      workers: args.workers,
      leaderElection: args["leader-elect"] ? { namespace: args["leader-elect-namespace"] } : undefined,
      metricsAddr: args["metrics-addr"] || undefined,
      healthAddr: args["health-addr"] || undefined,
      log,
      routerFor,
      analysis: args["run-analysis"] ? { prometheusAddress: args["prometheus-address"] } : false,
    });
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info({ signal }, "shutting down");
        void controller.stop().then(resolve);
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
  },
};
