/**
 * One run of `sluice controller` as a deploy/ layout installs it, against the sandbox API server in RBAC mode:
 * the layout's namespace, ServiceAccount and RBAC applied with kubectl, a kubeconfig with only the
 * ServiceAccount's token (TokenRequest), the controller started with the rendered Deployment's own args and
 * POD_NAMESPACE, the flows of rbac-flows.ts driven through it, and what the API server recorded for the
 * ServiceAccount returned. Shared by the cluster-wide and the namespaced RBAC tests.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { ClientNodeKube } from "../../src/kube/kube-client.ts";
import { startApiServer, kubeconfigYaml, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import type { ResourceAccess } from "../../src/sandbox/apiserver/auth/access-log.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { CRD_FILES } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { closeLocal, listenLocal } from "../helpers/local-http.ts";
import { rbacObjectsYaml, renderDeploy } from "../helpers/rbac.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";
import { sharedObjects, type FlowContext } from "./rbac-flows.ts";

export function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("kubectl", args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The layout's namespace, ServiceAccount and RBAC applied with kubectl, then a kubeconfig carrying only the ServiceAccount's token. */
export async function serviceAccountKubeconfig(server: ApiServer, layoutDir: string, serviceAccountNamespace: string): Promise<string> {
  await kubectl(server.kubeconfigPath, ["apply", "-f", "-"], await rbacObjectsYaml(layoutDir));
  const token = (await kubectl(server.kubeconfigPath, ["create", "token", "sluice-controller", "-n", serviceAccountNamespace, "--duration=1h"])).trim();
  const path = join(mkdtempSync(join(tmpdir(), "sluice-rbac-sa-")), "kubeconfig");
  writeFileSync(path, kubeconfigYaml({ server: server.url, ...(server.caCertPem ? { caCertPem: server.caCertPem } : {}), token }), { mode: 0o600 });
  return path;
}

type Container = { args?: string[] };
type DeploymentDoc = { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { template?: { spec?: { containers?: Container[] } } } };

/**
 * The rendered controller's args, as the kubelet would run them: $(POD_NAMESPACE) expanded, the listen addresses
 * moved to a local port. Returns the args and the namespace the layout runs the controller in.
 */
async function deployedControllerArgs(layoutDir: string, port: number): Promise<{ args: string[]; podNamespace: string }> {
  const docs = (await renderDeploy(layoutDir)) as DeploymentDoc[];
  const workload = docs.find((d) => (d.kind === "Deployment" || d.kind === "StatefulSet") && d.metadata?.name === "sluice-controller");
  const args = workload?.spec?.template?.spec?.containers?.[0]?.args;
  const podNamespace = workload?.metadata?.namespace;
  assert.ok(args && podNamespace, `no sluice-controller workload with args in ${layoutDir}`);
  const local = `127.0.0.1:${port}`;
  const out = args.map((a) => a.replaceAll("$(POD_NAMESPACE)", podNamespace));
  for (const flag of ["--metrics-addr", "--health-addr"]) {
    const i = out.indexOf(flag);
    assert.ok(i >= 0 && i + 1 < out.length, `${flag} not in the rendered args ${args.join(" ")}`);
    out[i + 1] = local;
  }
  return { args: out, podNamespace };
}

export type ControllerRun = {
  /** A deploy/ layout: deploy/ itself or an overlay. */
  layoutDir: string;
  flows: Record<string, (ctx: FlowContext) => Promise<void>>;
  /** Every flow in this namespace (created first), for a namespaced layout. */
  namespace?: string;
  /** Registers what must be stopped after the test, whatever happens. */
  onCleanup(stop: () => Promise<void> | void): void;
  /** Receives every access the ServiceAccount made, before any verdict (so a failing run still reports it). */
  used: ResourceAccess[];
};

/**
 * Runs the flows; every access the ServiceAccount made goes to `run.used` even when a flow fails (a 403 is the
 * likeliest reason), then that failure is thrown. Returns the controller's user name.
 */
export async function runFlowsAsDeployed(run: ControllerRun): Promise<string> {
  const listen = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
    const server: Server = createServer(handler);
    run.onCleanup(() => closeLocal(server));
    return listenLocal(server);
  };
  // Prometheus as far as the analyses need it: every query is 0 (healthy); the bearer token must come along.
  const promAuth = new Set<string>();
  const prometheus = await listen((req, res) => {
    promAuth.add(req.headers.authorization ?? "");
    req.resume().on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, "0"] }] } }));
    });
  });
  const notified = new Map<string, number>();
  const hookUrl = `${await listen((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      const name = String((JSON.parse(text) as { rollout?: { name?: string } }).rollout?.name);
      notified.set(name, (notified.get(name) ?? 0) + 1);
      res.writeHead(200).end();
    });
  })}/hook`;

  const server = await startApiServer({ rbac: true, tls: true, preload: [...CRD_FILES, ...allThirdPartyCrdFiles], simulatePods: true, readyDelayMs: 50 });
  run.onCleanup(() => server.stop());
  const port = await freePort();
  const { args, podNamespace } = await deployedControllerArgs(run.layoutDir, port);
  const user = `system:serviceaccount:${podNamespace}:sluice-controller`;
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  const kube = new ClientNodeKube(kc);
  // A namespaced layout runs in a namespace that exists before it is installed (it creates none).
  if (!(await kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name: podNamespace }))) await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: podNamespace } });
  if (run.namespace !== undefined && run.namespace !== podNamespace) await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: run.namespace } });
  const saKubeconfig = await serviceAccountKubeconfig(server, run.layoutDir, podNamespace);
  for (const obj of sharedObjects(hookUrl, podNamespace)) await kube.create(obj);

  const controller = spawn(process.execPath, [join(REPO_ROOT, "src", "cli", "bin.ts"), ...args, "--kubeconfig", saKubeconfig, "--prometheus-address", prometheus, "--log-level", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, POD_NAMESPACE: podNamespace },
  });
  run.onCleanup(() => {
    if (controller.exitCode === null) controller.kill("SIGKILL");
  });
  let logs = "";
  controller.stderr?.on("data", (d: Buffer) => (logs = (logs + d.toString()).slice(-20_000)));

  const ctx: FlowContext = { kube, hookUrl, notificationsFor: (name) => notified.get(name) ?? 0, ...(run.namespace !== undefined ? { namespace: run.namespace } : {}) };
  const results = await Promise.allSettled(Object.entries(run.flows).map(async ([name, flow]) => {
    try {
      await flow(ctx);
    } catch (error) {
      throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }));
  // SIGTERM: the Lease is released (an update) on the way out, as on a rolling update of the Deployment.
  controller.kill("SIGTERM");
  await new Promise((r) => controller.once("exit", r));
  const used = server.accessLog?.snapshot(user).resources ?? [];
  run.used.push(...used);
  const failed = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  const denied = used.filter((e) => e.denied > 0).map((e) => `${e.verb} ${e.group}/${e.resource} in ${e.namespace || "(cluster)"}`);
  assert.deepEqual(failed, [], `flows that did not end as they should (denied: ${denied.join(", ") || "none"}; controller's log tail:\n${logs.slice(-4000)})`);
  assert.ok(promAuth.has("Bearer prom-s3cret"), "the Prometheus metric sent the token from its Secret");
  return user;
}
