// `sluice sandbox api` command module: prints the URL, writes the kubeconfig, serves until killed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

const runner = fileURLToPath(new URL("./fixtures/run-sandbox-api.ts", import.meta.url));
const widgetCrd = fileURLToPath(new URL("./fixtures/widgets-crd.yaml", import.meta.url));

test("sandbox api --port 0 --kubeconfig-out FILE serves until SIGTERM", { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cmd-"));
  const kubeconfig = join(dir, "kubeconfig");
  const child = spawn(process.execPath, [runner, "api", "--port", "0", "--kubeconfig-out", kubeconfig, "--crds", widgetCrd], { cwd: process.cwd() });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  try {
    const deadline = Date.now() + 10_000;
    while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const url = stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `stdout: ${stdout} stderr: ${stderr}`);
    const config = parseYaml(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
    assert.equal(config.clusters[0]?.cluster.server, url);
    const res = await fetch(`${url}/apis/fixtures.sluice.dev/v1`);
    assert.equal(res.status, 200, "preloaded CRD is served");
  } finally {
    child.kill("SIGTERM");
  }
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  rmSync(dir, { recursive: true, force: true });
});
