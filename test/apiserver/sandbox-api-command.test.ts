// `sluice sandbox api` command module: prints the URL, writes the kubeconfig, serves until killed.
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { spawnWatched } from "../helpers/child-output.ts";
import { waitFor } from "../helpers/wait-for.ts";

const runner = fileURLToPath(new URL("./fixtures/run-sandbox-api.ts", import.meta.url));
const widgetCrd = fileURLToPath(new URL("./fixtures/widgets-crd.yaml", import.meta.url));

test("sandbox api --port 0 --kubeconfig-out FILE serves until SIGTERM", { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cmd-"));
  const kubeconfig = join(dir, "kubeconfig");
  const server = spawnWatched(process.execPath, [runner, "api", "--port", "0", "--kubeconfig-out", kubeconfig, "--crds", widgetCrd], { cwd: process.cwd() });
  try {
    const [url] = await server.waitFor("the URL", /^\S+(?=\n)/);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `stdout: ${server.stdout()} stderr: ${server.stderr()}`);
    const config = parseYaml(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
    assert.equal(config.clusters[0]?.cluster.server, url);
    const res = await fetch(`${url}/apis/fixtures.sluice.dev/v1`);
    assert.equal(res.status, 200, "preloaded CRD is served");
  } finally {
    server.child.kill("SIGTERM");
  }
  assert.equal(await server.exited, 0, server.stderr());
  rmSync(dir, { recursive: true, force: true });
});

test("sandbox api --rbac serves HTTPS; the kubeconfig's random token is the superuser", { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cmd-rbac-"));
  const kubeconfig = join(dir, "kubeconfig");
  const server = spawnWatched(process.execPath, [runner, "api", "--port", "0", "--kubeconfig-out", kubeconfig, "--rbac"], { cwd: process.cwd() });
  try {
    const [url] = await server.waitFor("the URL", /^\S+(?=\n)/);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/, `stdout: ${server.stdout()} stderr: ${server.stderr()}`);
    const config = parseYaml(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: Record<string, string> }[]; users: { user: { token: string } }[] };
    assert.ok(config.clusters[0]?.cluster["certificate-authority-data"], "the CA is in the kubeconfig");
    assert.ok((config.users[0]?.user.token ?? "").length >= 20, "a random superuser token, not the fixed one");
    const whoami = spawnSync("kubectl", ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: "utf8" });
    assert.equal(whoami.stdout, "sluice-sandbox-admin", whoami.stderr);
    // Printed on stderr, which need not have arrived with the URL on stdout.
    await waitFor("rbac: on on stderr", () => (/rbac: on/.test(server.stderr()) ? true : undefined), 10_000);
  } finally {
    server.child.kill("SIGTERM");
  }
  assert.equal(await server.exited, 0, server.stderr());
  rmSync(dir, { recursive: true, force: true });
});
