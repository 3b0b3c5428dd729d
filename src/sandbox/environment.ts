/**
 * The sandbox's cluster on 127.0.0.1: the in-memory API server with sluice's and the Gateway API CRDs, the
 * workload runner (each pod a real demo-app process), a real Prometheus scraping those pods (file-based
 * discovery, 1 s scrape), and the controller in-process with the Gateway API router and the analysis runner.
 * `stop()` ends every process it started; the pods also die with this process (their stdin pipe closes).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { startController, type RunningController } from "../controller/controller.ts";
import { ClientNodeKube } from "../kube/kube-client.ts";
import { routerFor } from "../routers/router-for.ts";
import { startApiServer, type ApiServer } from "./apiserver/index.ts";
import { thirdPartyCrdFiles } from "./crds/index.ts";
import { PrometheusNotInstalledError, prometheusInstalled, startPrometheus, type RunningPrometheus } from "./prometheus.ts";
import { ProcessWorkloadRunner, startEndpointsController } from "./workloads/index.ts";

export type SandboxEnvironment = {
  server: ApiServer;
  kc: KubeConfig;
  kube: ClientNodeKube;
  runner: ProcessWorkloadRunner;
  prometheus: RunningPrometheus;
  controller: RunningController;
  stop(): Promise<void>;
};

const REPO_ROOT = join(import.meta.dirname, "..", "..");

export async function startSandboxEnvironment(options: { log: Logger; kubeconfigPath?: string | undefined }): Promise<SandboxEnvironment> {
  if (!prometheusInstalled()) throw new PrometheusNotInstalledError(process.env.SLUICE_PROMETHEUS_BINARY ?? "/usr/bin/prometheus");
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    const runner = new ProcessWorkloadRunner({ logger: options.log.child({ part: "workloads" }) });
    cleanups.push(() => runner.close());
    const crds = readdirSync(join(REPO_ROOT, "crds")).map((f) => join(REPO_ROOT, "crds", f));
    const server = await startApiServer({ preload: [...crds, thirdPartyCrdFiles.httpRoute], simulation: runner, ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}) });
    cleanups.push(() => server.stop());
    // Endpoints for every Service from the ready pods: what the gateway routes to.
    const endpoints = startEndpointsController(server, options.log.child({ part: "endpoints" }));
    cleanups.push(() => endpoints.stop());
    const prometheus = await startPrometheus({ scrapeInterval: "1s", targets: runner.scrapeTargets() });
    cleanups.push(() => prometheus.stop());
    cleanups.push(runner.onChange(() => void prometheus.setTargets(runner.scrapeTargets()).catch(() => undefined)));
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    const controller = await startController({
      kc,
      namespace: "default",
      workers: 2,
      log: options.log.child({ part: "controller" }),
      routerFor,
      analysis: { prometheusAddress: prometheus.url },
    });
    // The controller goes first on the way down: it must not act on a cluster that is being taken apart.
    cleanups.push(() => controller.stop());
    return { server, kc, kube: new ClientNodeKube(kc), runner, prometheus, controller, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
