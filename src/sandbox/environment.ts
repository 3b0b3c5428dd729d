/**
 * The sandbox's cluster on 127.0.0.1: the in-memory API server with sluice's and the Gateway API CRDs, the
 * workload runner (each pod a real demo-app process), a real Prometheus scraping those pods (file-based
 * discovery, 1 s scrape), and (`startSandboxEnvironment`) the controller in-process with the Gateway API router
 * and the analysis runner. `startSandboxCluster` is everything but the controller, for runs that start it as a
 * process of its own (the chaos suite kills it). `stop()` ends every process it started; the pods also die with
 * this process (their stdin pipe closes).
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

export type SandboxCluster = {
  server: ApiServer;
  kc: KubeConfig;
  kube: ClientNodeKube;
  runner: ProcessWorkloadRunner;
  prometheus: RunningPrometheus;
  stop(): Promise<void>;
};

export type SandboxEnvironment = SandboxCluster & { controller: RunningController };

/** `rbac`: the API server in RBAC mode (HTTPS; the kubeconfig's user is a superuser), for a controller run under a ServiceAccount. */
export type SandboxOptions = { log: Logger; kubeconfigPath?: string | undefined; rbac?: boolean | undefined };

const REPO_ROOT = join(import.meta.dirname, "..", "..");

/** Runs the cleanups in reverse order of registration, each once, ignoring their failures. */
function cleanupStack(): { push(cleanup: () => Promise<void> | void): void; run(): Promise<void> } {
  const cleanups: (() => Promise<void> | void)[] = [];
  return {
    push: (cleanup) => void cleanups.push(cleanup),
    async run() {
      while (cleanups.length > 0) await Promise.resolve(cleanups.pop()?.()).catch(() => undefined);
    },
  };
}

export async function startSandboxCluster(options: SandboxOptions): Promise<SandboxCluster> {
  if (!prometheusInstalled()) throw new PrometheusNotInstalledError(process.env.SLUICE_PROMETHEUS_BINARY ?? "/usr/bin/prometheus");
  const cleanups = cleanupStack();
  try {
    const runner = new ProcessWorkloadRunner({ logger: options.log.child({ part: "workloads" }) });
    cleanups.push(() => runner.close());
    const crds = readdirSync(join(REPO_ROOT, "crds")).map((f) => join(REPO_ROOT, "crds", f));
    const server = await startApiServer({
      preload: [...crds, thirdPartyCrdFiles.httpRoute],
      simulation: runner,
      ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
      ...(options.rbac ? { rbac: true, tls: true } : {}),
    });
    cleanups.push(() => server.stop());
    // Endpoints for every Service from the ready pods: what the gateway routes to.
    const endpoints = startEndpointsController(server, options.log.child({ part: "endpoints" }));
    cleanups.push(() => endpoints.stop());
    const prometheus = await startPrometheus({ scrapeInterval: "1s", targets: runner.scrapeTargets() });
    cleanups.push(() => prometheus.stop());
    cleanups.push(runner.onChange(() => void prometheus.setTargets(runner.scrapeTargets()).catch(() => undefined)));
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    return { server, kc, kube: new ClientNodeKube(kc), runner, prometheus, stop: () => cleanups.run() };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

export async function startSandboxEnvironment(options: SandboxOptions): Promise<SandboxEnvironment> {
  const cluster = await startSandboxCluster(options);
  return startSandboxController(cluster, cluster.kc, options.log);
}

/**
 * The controller in-process on `cluster`, as `kc` says (the cluster's own superuser kubeconfig, or a
 * ServiceAccount's on a cluster in RBAC mode), with the Gateway API router and the analysis runner. Stopping the
 * environment stops the controller first, then the cluster; a controller that fails to start stops the cluster.
 */
export async function startSandboxController(cluster: SandboxCluster, kc: KubeConfig, log: Logger): Promise<SandboxEnvironment> {
  try {
    const controller = await startController({
      kc,
      namespace: "default",
      workers: 2,
      log: log.child({ part: "controller" }),
      routerFor,
      analysis: { prometheusAddress: cluster.prometheus.url },
    });
    // The controller goes first on the way down: it must not act on a cluster that is being taken apart.
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        await controller.stop().catch(() => undefined);
        await cluster.stop();
      })());
    return { ...cluster, controller, stop };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
