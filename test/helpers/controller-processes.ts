/**
 * `sluice controller` as separate processes against a test's API server, for what only processes show (a
 * SIGKILL, Leases changing hands, shards). Every process started is killed when the test file ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after } from "node:test";
import { REPO_ROOT } from "./run-cli.ts";

export type ControllerProcesses = {
  /** `sluice controller --kubeconfig K -n default --leader-elect ...` with metrics and health on `port`. */
  start(kubeconfig: string, port: number, extra: readonly string[]): ChildProcess;
};

export function controllerProcesses(): ControllerProcesses {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });
  return {
    start(kubeconfig, port, extra) {
      const args = ["controller", "--kubeconfig", kubeconfig, "-n", "default", "--leader-elect", "--leader-elect-namespace", "default"];
      const endpoints = ["--metrics-addr", `127.0.0.1:${port}`, "--health-addr", `127.0.0.1:${port}`, "--log-level", "warn"];
      const child = spawn(process.execPath, [join(REPO_ROOT, "src", "cli", "bin.ts"), ...args, ...endpoints, ...extra], { stdio: ["ignore", "ignore", "inherit"] });
      children.push(child);
      return child;
    },
  };
}
