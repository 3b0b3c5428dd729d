/**
 * deploy/ as a user installs it: `kubectl kustomize` renders every layout, and the README's install commands,
 * run by the real kubectl against the sandbox API server, create every object (then, as an upgrade, change
 * nothing). What the rendered controller must be: two replicas with leader election, probes, resources and a
 * locked-down security context.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { startApiServer, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
type Container = {
  args: string[];
  env?: { name: string; value?: string }[];
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
};
type PodSpec = { serviceAccountName: string; securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } }; containers: Container[] };
type Workload = Obj & { spec: { replicas: number; template: { spec: PodSpec } } };
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

const deploy = (sub = "") => join(REPO_ROOT, "deploy", sub);
const kustomize = (dir: string): Obj[] =>
  parseAllDocuments(execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" })).map((d) => d.toJS() as Obj);
const find = (objs: Obj[], kind: string, name?: string): Obj => {
  const found = objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.ok(found, `rendered ${kind}${name ? ` ${name}` : ""}`);
  return found;
};

let server: ApiServer;
// Asynchronous: the API server answers from this process's event loop.
const kubectl = async (...args: string[]): Promise<string> => (await promisify(execFile)("kubectl", ["--kubeconfig", server.kubeconfigPath, ...args], { encoding: "utf8" })).stdout;

before(async () => {
  server = await startApiServer({ preload: [], readyDelayMs: 0 });
});
after(() => server.stop());

test("the README's install commands work with the real kubectl: CRDs first, Established, then the whole install; a second apply changes nothing", async () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  for (const command of ["kubectl apply -k deploy/crds/", "kubectl wait --for=condition=Established crd --all", "kubectl apply -k deploy/"]) {
    assert.ok(readme.includes(command), `README shows \`${command}\``);
  }
  await kubectl("apply", "-k", deploy("crds"));
  await kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=20s");
  const first = await kubectl("apply", "-k", deploy());
  for (const line of first.trim().split("\n")) {
    assert.match(line, line.startsWith("customresourcedefinition") ? / unchanged$/ : / created$/, `first install: ${line}`);
  }
  const rendered = kustomize(deploy());
  // Every rendered object is there (nothing refused); its resourceVersion tells whether a later apply changed it.
  const versions = async (): Promise<string[]> =>
    Promise.all(
      rendered.map(async (o) => {
        const ns = o.metadata.namespace ? ["-n", o.metadata.namespace] : [];
        const resource = `${o.kind.toLowerCase()}${o.apiVersion.includes("/") ? `.${o.apiVersion.split("/")[0]}` : ""}`;
        const got = JSON.parse(await kubectl("get", resource, o.metadata.name, ...ns, "-o", "json")) as Obj & { metadata: { resourceVersion: string } };
        return `${o.kind}/${o.metadata.name} ${got.metadata.resourceVersion}`;
      }),
    );
  const installed = await versions();
  assert.equal(installed.length, rendered.length);
  await kubectl("apply", "-k", deploy());
  // kubectl says "configured" for some objects all the same: a PodDisruptionBudget (its selector's patch
  // strategy is "replace", so the computed patch is never empty) and custom resources with server-side
  // defaults inside lists (a merge patch resends the whole list). Those patches change nothing, as on a cluster.
  assert.deepEqual(await versions(), installed, "a second apply of the same deploy/ changed objects");
});

test("the sharded and namespaced layouts render and are accepted too", async () => {
  await kubectl("apply", "-k", deploy("crds"));
  await kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=20s");
  await kubectl("apply", "-k", deploy("sharded"));
  assert.equal(JSON.parse(await kubectl("get", "statefulset", "sluice-controller", "-n", "sluice-system", "-o", "json")).spec.replicas, 3);
  await kubectl("create", "namespace", "my-team");
  await kubectl("apply", "-k", deploy("namespaced"));
  const role = JSON.parse(await kubectl("get", "role", "sluice-controller", "-n", "my-team", "-o", "json")) as { rules: Rule[] };
  assert.ok(role.rules.length > 5);
  const deployment = JSON.parse(await kubectl("get", "deployment", "sluice-controller", "-n", "my-team", "-o", "json")) as Workload;
  assert.ok(deployment.spec.template.spec.containers[0]?.args.includes("--namespace=$(POD_NAMESPACE)"));
});

test("the controller Deployment: 2 replicas with leader election, probes on /healthz and /readyz, resources, locked down", () => {
  const objs = kustomize(deploy());
  const d = find(objs, "Deployment", "sluice-controller") as Workload;
  assert.equal(d.metadata.namespace, "sluice-system");
  assert.equal(d.spec.replicas, 2);
  const pod = d.spec.template.spec;
  assert.equal(pod.serviceAccountName, "sluice-controller");
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
  const [c] = pod.containers;
  assert.ok(c);
  assert.ok(c.args.includes("--leader-elect"));
  assert.equal(c.livenessProbe?.httpGet?.path, "/healthz");
  assert.equal(c.readinessProbe?.httpGet?.path, "/readyz");
  const health = c.ports?.find((p) => p.name === c.livenessProbe?.httpGet?.port);
  assert.ok(health && c.args.join(" ").includes(`--health-addr :${health.containerPort}`), "the probes' port is the one --health-addr serves");
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  // Sized from bench/scale.ts: 441 MiB RSS at 10,000 Rollouts after three cycles (bench/README.md).
  const mib = (q: string | undefined) => Number(/^(\d+)Mi$/.exec(q ?? "")?.[1] ?? Number.NaN);
  assert.ok(mib(c.resources?.requests?.memory) >= 441 && mib(c.resources?.limits?.memory) >= mib(c.resources?.requests?.memory));
  assert.ok(c.resources?.requests?.cpu);
  find(objs, "PodDisruptionBudget", "sluice-controller");
  find(objs, "Service", "sluice-controller-metrics");
  find(objs, "ServiceAccount", "sluice-controller");
  assert.equal(objs.filter((o) => o.kind === "CustomResourceDefinition").length, 4);
  assert.ok(objs.filter((o) => o.kind === "ClusterAnalysisTemplate").length >= 7);
});

test("the sharded StatefulSet runs the Deployment's container, with --shard-count equal to its replicas and the pod index as shard", () => {
  const d = find(kustomize(deploy()), "Deployment", "sluice-controller") as Workload;
  const objs = kustomize(deploy("sharded"));
  assert.equal(objs.filter((o) => o.kind === "Deployment").length, 0);
  const s = find(objs, "StatefulSet", "sluice-controller") as Workload;
  const [dc] = d.spec.template.spec.containers;
  const [sc] = s.spec.template.spec.containers;
  assert.ok(dc && sc);
  const args = sc.args.join(" ");
  assert.match(args, new RegExp(`--shard-count ${s.spec.replicas}\\b`));
  assert.match(args, /--shard-index \$\(SHARD_INDEX\)/);
  const { args: _a, env: denv, ...dRest } = dc;
  const { args: _b, env: senv, ...sRest } = sc;
  assert.deepEqual(sRest, dRest, "same image, probes, resources and security context");
  assert.deepEqual(senv?.filter((e) => e.name !== "SHARD_INDEX"), denv);
  assert.deepEqual(s.spec.template.spec.securityContext, d.spec.template.spec.securityContext);
});

test("the namespaced layout: the team's namespace is not created, ClusterAnalysisTemplates stay cluster-scoped, the binding names the team's ServiceAccount", () => {
  // Its rules against the ClusterRole's: test/deploy/rbac-used-equals-granted.test.ts.
  const objs = kustomize(deploy("namespaced"));
  assert.equal(objs.filter((o) => o.kind === "Namespace").length, 0, "the team's namespace is not created");
  for (const o of objs.filter((x) => x.kind === "ClusterAnalysisTemplate")) assert.equal(o.metadata.namespace, undefined, `${o.metadata.name} is cluster-scoped`);
  const binding = find(objs, "RoleBinding", "sluice-controller") as Obj & { subjects: { namespace: string }[] };
  assert.equal(binding.subjects[0]?.namespace, "my-team");
});
