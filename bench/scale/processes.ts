/**
 * The processes a scale bench measures from outside: the sandbox API server and the controller, each its own
 * Node process started from the CLI as a user would, read through /proc (RSS, CPU ticks) and their endpoints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "src", "cli", "bin.ts");

export type Measured = { readonly child: ChildProcess; readonly pid: number; stop(): Promise<void> };

function start(args: readonly string[], env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): Measured {
  // process.execPath: the Node running the bench (>= 22.19 through .ci/node), started directly so the pid is Node's.
  const child = spawn(process.execPath, [...nodeFlags, bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start ${args.join(" ")}`);
  // A bench or test that dies half-way must not leave an API server or a controller running.
  const reap = (): void => void child.kill("SIGKILL");
  process.once("exit", reap);
  child.once("exit", () => process.removeListener("exit", reap));
  const stderr: string[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 200) stderr.shift();
  });
  child.once("exit", (code, signal) => {
    if (code !== 0 && code !== null && signal === null) process.stderr.write(`${args[0]} exited ${code}:\n${stderr.join("").slice(-4000)}\n`);
  });
  return {
    child,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

/** `sluice sandbox api` on a random port; resolves with its URL once it prints it. */
export async function startApiServer(kubeconfigPath: string, crds: readonly string[]): Promise<Measured & { url: string }> {
  const p = start(["sandbox", "api", "--ready-delay-ms", "0", "--kubeconfig-out", kubeconfigPath, "--crds", ...crds], {}, ["--max-old-space-size=4096"]);
  const stdout = p.child.stdout;
  if (!stdout) throw new Error("sandbox api: no stdout");
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.once("line", (line) => resolve(line.trim()));
    p.child.once("exit", (code) => reject(new Error(`sandbox api exited ${code} before printing its URL`)));
  });
  return { ...p, url };
}

/** `sluice controller` against the kubeconfig, metrics on the given port, no analysis runner. */
export function startControllerProcess(kubeconfigPath: string, metricsPort: number, extra: readonly string[] = [], nodeFlags: readonly string[] = []): Measured {
  return start(
    ["controller", "--metrics-addr", `127.0.0.1:${metricsPort}`, "--health-addr", "", "--no-run-analysis", ...(extra.includes("--log-level") ? [] : ["--log-level", "warn"]), ...extra],
    { KUBECONFIG: kubeconfigPath },
    nodeFlags,
  );
}

/** Resident set size in MiB, from /proc/PID/status. */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  const kb = Number(line?.split(/\s+/)[1]);
  return kb / 1024;
}

/** User + system CPU seconds so far, from /proc/PID/stat (clock ticks at 100 Hz, Linux's USER_HZ). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The controller's NODE_OPTIONS as shipped (deploy/base/controller-deployment.yaml; the Dockerfile sets the same, a test keeps
 * them equal): the benches measure the controller as a user deploys it unless told otherwise.
 */
export function shippedControllerNodeOptions(): string[] {
  const text = readFileSync(join(root, "deploy", "base", "controller-deployment.yaml"), "utf8");
  const match = /- name: NODE_OPTIONS\s+value: "([^"]*)"/.exec(text);
  if (!match?.[1]) throw new Error("deploy/base/controller-deployment.yaml sets no NODE_OPTIONS for the controller");
  return match[1].split(" ").filter(Boolean);
}
