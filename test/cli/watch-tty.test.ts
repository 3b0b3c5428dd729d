/**
 * `get rollout --watch` on a real terminal (a pseudo-terminal from util-linux `script`): colours, in-place
 * redraws, and Ctrl-C typed at the terminal (the line discipline turns it into SIGINT) ending with exit 0.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
let env: Env;
before(async () => {
  if (!hasScript) return;
  env = await startEnv();
  await env.startController();
});
after(async () => env?.stop());

test("on a terminal: coloured frames redrawn in place; Ctrl-C exits 0", { skip: hasScript ? false : "util-linux script is not installed" }, async () => {
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "tty", namespace: "default" },
    spec: { replicas: 1, selector: { matchLabels: { app: "tty" } }, template: { metadata: { labels: { app: "tty" } }, spec: { containers: [{ name: "app", image: "a:1" }] } }, strategy: { canary: { steps: [{ setWeight: 50 }] } } },
  });
  await env.waitFor("Healthy", async () => (statusOf(await env.rollout("tty")).phase === "Healthy" ? true : undefined));
  // `exec`: script runs the command through $SHELL, and a shell that waits (dash does) dies of the Ctrl-C
  // itself, reporting 130 whatever the CLI did. With exec the CLI is the terminal's foreground process.
  const command = ["exec", process.execPath, join(REPO_ROOT, "src", "cli", "bin.ts"), "get", "rollout", "tty", "--watch", "--kubeconfig", env.server.kubeconfigPath].join(" ");
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...environment } = process.env;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...environment, SHELL: "/bin/sh", COLUMNS: "100", LINES: "40" } });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await env.waitFor("a frame", async () => (out.includes("Healthy") ? true : undefined), 20_000);
  await env.waitFor("the once-a-second redraw", async () => ((out.match(/\u001b\[H\u001b\[2J/g) ?? []).length >= 2 ? true : undefined), 5000);
  assert.match(out, /\u001b\[32m✔ Healthy\u001b\[39m/, "colours on a terminal");
  child.stdin.write("\u0003");
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 5000).unref())]);
  if (code === "still running") child.kill("SIGKILL");
  assert.equal(code, 0, `exit after Ctrl-C; output:\n${out.slice(-500)}`);
});
