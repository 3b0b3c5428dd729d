/** `sluice controller`: the long-running process users deploy. */
import type { CommandModule } from "yargs";
import { loadKubeConfig } from "../../kube/kubeconfig.ts";
import { createLogger, type LogFormat } from "../../kube/logger.ts";
import { startController } from "../../controller/controller.ts";
import { shardConfigProblem } from "../../controller/leadership.ts";
import { routerFor } from "../../routers/router-for.ts";

type ControllerArgs = {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  workers: number;
  "leader-elect": boolean;
  "leader-elect-namespace": string;
  "leader-elect-lease-duration": number;
  "leader-elect-renew-deadline": number;
  "leader-elect-retry-period": number;
  "shard-count": number;
  "shard-index"?: number | undefined;
  "metrics-addr": string;
  "health-addr": string;
  "log-level": string;
  "log-format": string;
  "prometheus-address"?: string | undefined;
  "run-analysis": boolean;
  "notifications-namespace": string;
};

export const controllerCommand: CommandModule<object, ControllerArgs> = {
  command: "controller",
  describe: "Run the controller: watch Rollouts and carry out their canary or blue-green strategy",
  builder: (y) =>
    y
      .option("workers", { type: "number", default: 4, describe: "Rollouts reconciled in parallel" })
      .option("leader-elect", { type: "boolean", default: false, describe: "Run as one of several replicas; only the holder of the Lease writes" })
      .option("leader-elect-namespace", { type: "string", default: process.env.POD_NAMESPACE ?? "default", describe: "Namespace of the leader-election Lease" })
      .option("leader-elect-lease-duration", { type: "number", default: 15, describe: "Seconds a Lease stays valid without renewal: how long a dead holder's Rollouts wait for another replica" })
      .option("leader-elect-renew-deadline", { type: "number", default: 10, describe: "Seconds the holder keeps writing without a successful renewal (less than the lease duration)" })
      .option("leader-elect-retry-period", { type: "number", default: 2, describe: "Seconds between attempts to acquire or renew a Lease" })
      .option("shard-count", { type: "number", default: 1, describe: "Split the Rollouts among this many shards by a hash of namespace/name (same value on every replica)" })
      .option("shard-index", { type: "number", describe: "This replica's own shard, 0 to shard-count - 1; with --leader-elect it also stands by for the others" })
      .check((a) => {
        const problem = shardConfigProblem({ count: a["shard-count"], index: a["shard-index"] });
        if (problem) throw new Error(problem);
        if (a["leader-elect-renew-deadline"] >= a["leader-elect-lease-duration"]) throw new Error("--leader-elect-renew-deadline must be less than --leader-elect-lease-duration, or two replicas could both write");
        return true;
      })
      .option("metrics-addr", { type: "string", default: ":8090", describe: "host:port serving /metrics (empty = off)" })
      .option("health-addr", { type: "string", default: ":8091", describe: "host:port serving /healthz and /readyz (empty = off)" })
      .option("prometheus-address", { type: "string", describe: "Prometheus for analysis metrics that name no address, e.g. http://prometheus.monitoring:9090" })
      .option("run-analysis", { type: "boolean", default: true, describe: "Execute AnalysisRuns in this process (--no-run-analysis when something else does)" })
      .option("notifications-namespace", { type: "string", default: process.env.POD_NAMESPACE ?? "sluice-system", describe: "Namespace whose sluice-notifications ConfigMap serves Rollouts in every namespace" })
      .option("log-level", { type: "string", default: "info", choices: ["trace", "debug", "info", "warn", "error"] })
      .option("log-format", { type: "string", default: "json", choices: ["json", "pretty"] }),
  handler: async (args) => {
    const log = createLogger(args["log-level"], args["log-format"] as LogFormat);
    const kc = loadKubeConfig(args);
    const controller = await startController({
      kc,
      namespace: args.namespace,
      workers: args.workers,
      leaderElection: args["leader-elect"]
        ? {
            namespace: args["leader-elect-namespace"],
            leaseDurationSeconds: args["leader-elect-lease-duration"],
            renewDeadlineSeconds: args["leader-elect-renew-deadline"],
            retryPeriodSeconds: args["leader-elect-retry-period"],
          }
        : undefined,
      shards: { count: args["shard-count"], index: args["shard-index"] },
      metricsAddr: args["metrics-addr"] || undefined,
      healthAddr: args["health-addr"] || undefined,
      log,
      routerFor,
      analysis: args["run-analysis"] ? { prometheusAddress: args["prometheus-address"] } : false,
      notifications: { controllerNamespace: args["notifications-namespace"] },
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
