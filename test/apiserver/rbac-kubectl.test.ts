// RBAC mode with the real kubectl: deploy/'s RBAC objects applied as rendered by `kubectl kustomize`, a token
// from `kubectl create token`, `kubectl auth can-i` (with --as and --list) and `kubectl auth whoami`, and the
// Forbidden error kubectl prints for a request the ServiceAccount may not make.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { startApiServer, kubeconfigYaml, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { CRD_FILES } from "../helpers/controller-env.ts";
import { rbacObjectsYaml } from "../helpers/rbac.ts";

const SA = "system:serviceaccount:sluice-system:sluice-controller";
let server: ApiServer;
let saKubeconfig = "";

type Run = { code: number; stdout: string; stderr: string };
function kubectl(args: string[], options: { kubeconfig?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile("kubectl", args, { env: { ...process.env, KUBECONFIG: options.kubeconfig ?? server.kubeconfigPath }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

before(async () => {
  server = await startApiServer({ rbac: true, tls: true, preload: CRD_FILES, simulation: false });
  const applied = await kubectl(["apply", "-f", "-"], { input: await rbacObjectsYaml() });
  assert.equal(applied.code, 0, applied.stderr);
  const token = await kubectl(["create", "token", "sluice-controller", "-n", "sluice-system"]);
  assert.equal(token.code, 0, token.stderr);
  saKubeconfig = join(mkdtempSync(join(tmpdir(), "sluice-rbac-kubectl-")), "kubeconfig");
  writeFileSync(saKubeconfig, kubeconfigYaml({ server: server.url, ...(server.caCertPem ? { caCertPem: server.caCertPem } : {}), token: token.stdout.trim() }));
});
after(async () => server?.stop());

test("kubectl auth whoami: the superuser with the server's kubeconfig, the ServiceAccount with its token", async () => {
  const adminWho = await kubectl(["auth", "whoami"]);
  assert.match(adminWho.stdout, /Username\s+sluice-sandbox-admin/);
  assert.match(adminWho.stdout, /system:masters/);
  const saWho = await kubectl(["auth", "whoami"], { kubeconfig: saKubeconfig });
  assert.equal(saWho.code, 0, saWho.stderr);
  assert.match(saWho.stdout, new RegExp(`Username\\s+${SA}`));
  assert.match(saWho.stdout, /\[system:serviceaccounts system:serviceaccounts:sluice-system system:authenticated\]/);
});

test("kubectl auth can-i --as the controller's ServiceAccount answers from deploy/rbac/cluster-role.yaml", async () => {
  const can = (...args: string[]) => kubectl(["auth", "can-i", ...args, `--as=${SA}`]);
  const yes = await can("list", "pods");
  assert.deepEqual([yes.code, yes.stdout.trim()], [0, "yes"], yes.stderr);
  const no = await can("create", "deployments");
  assert.deepEqual([no.code, no.stdout.trim()], [1, "no"]);
  assert.equal((await can("update", "rollouts.sluice.dev", "--subresource=status", "-n", "shop")).stdout.trim(), "yes");
  assert.equal((await can("delete", "rollouts.sluice.dev", "-n", "shop")).stdout.trim(), "no");
  assert.equal((await can("create", "leases.coordination.k8s.io", "-n", "sluice-system")).stdout.trim(), "yes");
  assert.equal((await can("impersonate", "users")).stdout.trim(), "no");
  assert.equal((await kubectl(["auth", "can-i", "impersonate", "serviceaccounts"])).stdout.trim(), "yes", "the superuser may");
});

test("kubectl auth can-i --list shows the ClusterRole's rules, the bootstrap discovery rules, and nothing else", async () => {
  const list = await kubectl(["auth", "can-i", "--list", `--as=${SA}`, "-n", "default"]);
  assert.equal(list.code, 0, list.stderr);
  const rows = new Map(list.stdout.split("\n").slice(1).filter((l) => l.trim() !== "").map((l) => {
    const cells = l.trim().split(/\s{2,}/);
    return [cells[0] ?? "", cells.at(-1) ?? ""];
  }));
  assert.equal(rows.get("pods"), "[list patch]");
  assert.equal(rows.get("rollouts.sluice.dev"), "[get list watch patch]");
  assert.equal(rows.get("leases.coordination.k8s.io"), "[get create update]");
  assert.ok(!rows.has("nodes") && !rows.has("*.*"), list.stdout);
  // The same from the ServiceAccount itself.
  const own = await kubectl(["auth", "can-i", "--list", "-n", "default"], { kubeconfig: saKubeconfig });
  assert.equal(own.code, 0, own.stderr);
  assert.equal(own.stdout, list.stdout);
});

test("a request the ServiceAccount may not make: kubectl prints kube's Forbidden error; impersonation needs a grant", async () => {
  const secrets = await kubectl(["get", "secrets", "-n", "default"], { kubeconfig: saKubeconfig });
  assert.equal(secrets.code, 1);
  assert.equal(secrets.stderr.trim(), `Error from server (Forbidden): secrets is forbidden: User "${SA}" cannot list resource "secrets" in API group "" in the namespace "default"`);
  const rollouts = await kubectl(["get", "rollouts", "-A"], { kubeconfig: saKubeconfig });
  assert.equal(rollouts.code, 0, rollouts.stderr);
  const asAlice = await kubectl(["get", "pods", "--as=alice"], { kubeconfig: saKubeconfig });
  assert.equal(asAlice.stderr.trim(), `Error from server (Forbidden): users "alice" is forbidden: User "${SA}" cannot impersonate resource "users" in API group "" at the cluster scope`);
  const adminAsAlice = await kubectl(["get", "pods", "--as=alice"]);
  assert.equal(adminAsAlice.stderr.trim(), `Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"`);
  const token = parseYaml(readFileSync(saKubeconfig, "utf8")) as { users: { user: { token: string } }[] };
  assert.match(token.users[0]?.user.token ?? "", /^sluice-sa\./);
});
