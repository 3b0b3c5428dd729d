// Conformance: the real kubectl binary (v1.32 via the gcloud dispatcher) against the server.
// Every command must succeed without printing an error or a warning, except where a warning
// is the expected answer. Uses the product CRDs from crds/ when present, else the fixture.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { spawnWatched } from "../helpers/child-output.ts";
import { startTestServer, widgetCrdFile } from "./helpers.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const productCrd = join(repoRoot, "crds/rollouts.sluice.dev.yaml");
const useProduct = existsSync(productCrd);

interface Subject {
  crdApplyArgs: string[];
  crdFile: string;
  apiVersion: string;
  kind: string;
  resource: string;
  spec(image: string): Record<string, unknown>;
}

const subject: Subject = useProduct
  ? {
      crdApplyArgs: ["-f", join(repoRoot, "crds")],
      crdFile: productCrd,
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      resource: "rollouts",
      spec: (image) => ({
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      }),
    }
  : {
      crdApplyArgs: ["-f", widgetCrdFile],
      crdFile: widgetCrdFile,
      apiVersion: "fixtures.sluice.dev/v1",
      kind: "Widget",
      resource: "widgets",
      spec: (image) => ({ image }),
    };

interface CrdVersion {
  additionalPrinterColumns?: { name: string; priority?: number }[];
  schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, { default?: unknown }> } } } };
}
const crdDoc = parseYaml(readFileSync(subject.crdFile, "utf8")) as { spec: { versions: CrdVersion[] } };
const crdVersion = crdDoc.spec.versions[0];
assert.ok(crdVersion);

let server: ApiServer;
let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  server = await startTestServer({ readyDelayMs: 50 });
  dir = mkdtempSync(join(tmpdir(), "sluice-kubectl-"));
  env = { ...process.env, KUBECONFIG: server.kubeconfigPath, KUBECACHEDIR: join(dir, "cache"), HOME: dir };
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

function run(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile("kubectl", args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? (typeof error.code === "number" ? error.code : 1) : 0 });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Run and require success with a clean stderr (no error, no warning). */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await run(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /error|warning/i, `kubectl ${args.join(" ")} printed: ${r.stderr}`);
  return r.stdout;
}

function file(name: string, docs: Record<string, unknown>[]): string {
  const path = join(dir, name);
  writeFileSync(path, docs.map((d) => toYaml(d)).join("---\n"));
  return path;
}

const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "conf" } };
const svc = (port: number): Record<string, unknown> => ({
  apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "conf" },
  spec: { selector: { app: "web" }, ports: [{ name: "http", port, targetPort: 8080 }] },
});
const subjectObj = (name: string, image: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: subject.apiVersion, kind: subject.kind, metadata: { name, namespace: "conf", labels: { app: "web" } }, spec: { ...subject.spec(image), ...extra },
});

test("kubectl conformance", { timeout: 50_000 }, async (t) => {
  await t.test("version and discovery", async () => {
    const out = await ok(["version", "-o", "json"]);
    const v = JSON.parse(out) as { serverVersion: { gitVersion: string } };
    assert.equal(v.serverVersion.gitVersion, "v1.32.4");
    const resources = await ok(["api-resources"]);
    assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  });

  await t.test("apply CRDs (ours and third-party), wait Established", async () => {
    const out = await ok(["apply", ...subject.crdApplyArgs, ...allThirdPartyCrdFiles.flatMap((f) => ["-f", f])]);
    assert.match(out, /customresourcedefinition.apiextensions.k8s.io\/httproutes.gateway.networking.k8s.io created/);
    await ok(["wait", "--for=condition=Established", "crd/virtualservices.networking.istio.io", "--timeout=10s"]);
    const again = await ok(["apply", ...subject.crdApplyArgs]);
    assert.match(again, /unchanged/);
  });

  await t.test("apply manifests twice: create, then patch", async () => {
    const first = file("app-v1.yaml", [ns, svc(80), subjectObj("web", "web:1")]);
    const created = await ok(["apply", "-f", first]);
    assert.match(created, /namespace\/conf created/);
    assert.match(created, /service\/web created/);
    assert.match(created, new RegExp(`${subject.kind.toLowerCase()}.[a-z.]+/web created`));
    const second = file("app-v2.yaml", [ns, svc(81), subjectObj("web", "web:2")]);
    const configured = await ok(["apply", "-f", second]);
    assert.match(configured, /namespace\/conf unchanged/);
    assert.match(configured, /service\/web configured/);
    assert.match(configured, /\/web configured/);
    const port = await ok(["get", "svc", "web", "-n", "conf", "-o", "jsonpath={.spec.ports[0].port}"]);
    assert.equal(port, "81");
    const third = file("routes.yaml", [
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web", namespace: "conf" }, spec: { parentRefs: [{ name: "gw" }], hostnames: ["web.example.com"], rules: [{ backendRefs: [{ name: "web", port: 80, weight: 90 }, { name: "web-canary", port: 80, weight: 10 }] }] } },
      { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService", metadata: { name: "web", namespace: "conf" }, spec: { hosts: ["web"], http: [{ route: [{ destination: { host: "web", subset: "stable" }, weight: 100 }] }] } },
      { apiVersion: "split.smi-spec.io/v1alpha2", kind: "TrafficSplit", metadata: { name: "web", namespace: "conf" }, spec: { service: "web", backends: [{ service: "web-stable", weight: 90 }, { service: "web-canary", weight: 10 }] } },
    ]);
    await ok(["apply", "-f", third]);
    const route = JSON.parse(await ok(["get", "httproute", "web", "-n", "conf", "-o", "json"])) as { spec: { rules: { matches: unknown; backendRefs: { kind: string }[] }[] } };
    assert.deepEqual(route.spec.rules[0]?.matches, [{ path: { type: "PathPrefix", value: "/" } }], "schema defaults in third-party CRDs");
    assert.equal(route.spec.rules[0]?.backendRefs[0]?.kind, "Service");
    const hosts = await ok(["get", "vs", "-n", "conf"]);
    assert.match(hosts, /^NAME\s+GATEWAYS\s+HOSTS\s+AGE$/m);
  });

  await t.test("get shows the CRD printer columns", async () => {
    const out = await ok(["get", subject.resource, "-n", "conf"]);
    const expected = ["NAME", ...(crdVersion.additionalPrinterColumns ?? [{ name: "Age" }]).filter((c) => !c.priority).map((c) => c.name.toUpperCase())];
    const header = out.split("\n")[0]?.trim().split(/\s+/);
    assert.deepEqual(header, expected);
    assert.match(out.split("\n")[1] ?? "", /^web\s/);
  });

  await t.test("get -o yaml: schema defaults applied, unknown fields pruned (with the warning)", async () => {
    const withUnknown = file("unknown.yaml", [subjectObj("pruned", "web:1", { bogusField: "x" })]);
    const strict = await run(["apply", "-f", withUnknown]);
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /strict decoding error: unknown field "spec.bogusField"/);
    const warn = await run(["apply", "--validate=warn", "-f", withUnknown]);
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /Warning: unknown field "spec.bogusField"/);
    const yamlOut = await ok(["get", subject.resource, "pruned", "-n", "conf", "-o", "yaml"]);
    const obj = parseYaml(yamlOut) as { spec: Record<string, unknown> };
    assert.equal(obj.spec["bogusField"], undefined);
    const specSchema = crdVersion.schema.openAPIV3Schema.properties.spec.properties;
    const defaulted = Object.entries(specSchema).filter(([key, s]) => s.default !== undefined && !(key in subject.spec("x")));
    assert.ok(defaulted.length > 0, "the CRD has spec defaults to check");
    // As kube-apiserver defaults: an object's default, then the defaults of its own properties inside it.
    type Node = { default?: unknown; properties?: Record<string, Node> };
    const withInnerDefaults = (node: Node, value: unknown): unknown => {
      if (typeof value !== "object" || value === null || Array.isArray(value) || !node.properties) return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [k, p] of Object.entries(node.properties)) {
        if (out[k] === undefined && p.default !== undefined) out[k] = structuredClone(p.default);
        if (out[k] !== undefined) out[k] = withInnerDefaults(p, out[k]);
      }
      return out;
    };
    for (const [key, s] of defaulted) assert.deepEqual(obj.spec[key], withInnerDefaults(s as Node, s.default), `default of spec.${key}`);
  });

  await t.test("patch --type merge, patch --subresource status, wait --for=jsonpath", async () => {
    const merged = await ok(["patch", subject.resource, "web", "-n", "conf", "--type", "merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}']);
    assert.match(merged, /\/web patched/);
    const noChange = await ok(["patch", subject.resource, "web", "-n", "conf", "--type", "merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}']);
    assert.match(noChange, /patched \(no change\)/);
    const waiting = run(["wait", `${subject.resource}/web`, "-n", "conf", "--for=jsonpath={.status.phase}=Healthy", "--timeout=15s"]);
    await new Promise((r) => setTimeout(r, 300));
    const status = await ok(["patch", subject.resource, "web", "-n", "conf", "--subresource", "status", "--type", "merge", "-p", '{"status":{"phase":"Healthy","message":"all good"}}']);
    assert.match(status, /patched/);
    const waited = await waiting;
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /condition met/);
    assert.equal(waited.stderr, "");
    const spec = await ok(["get", subject.resource, "web", "-n", "conf", "-o", "jsonpath={.metadata.generation}"]);
    assert.equal(spec, "2", "labels and status do not bump generation; the v2 apply did");
  });

  await t.test("get -w sees an update", async () => {
    const watch = spawnWatched("kubectl", ["get", subject.resource, "web", "-n", "conf", "-w"], { env });
    try {
      await watch.waitFor("the initial row", /\nweb\s/);
      await ok(["patch", subject.resource, "web", "-n", "conf", "--subresource", "status", "--type", "merge", "-p", '{"status":{"phase":"Progressing","message":"watch me"}}']);
      await watch.waitFor("the updated row", /watch me/);
    } finally {
      watch.child.kill("SIGTERM");
    }
    const [stdout, stderr] = [watch.stdout(), watch.stderr()];
    const rows = stdout.trim().split("\n");
    assert.ok(rows.length >= 3, `header, initial row and updated row expected:\n${stdout}`);
    assert.match(rows[rows.length - 1] ?? "", /^web\s+Progressing.*watch me/);
    assert.doesNotMatch(stderr, /error|warning/i);
  });

  await t.test("scale through the /scale subresource", async () => {
    assert.match(await ok(["scale", subject.resource, "web", "-n", "conf", "--replicas=4"]), /scaled/);
    assert.equal(await ok(["get", subject.resource, "web", "-n", "conf", "-o", "jsonpath={.spec.replicas}"]), "4");
  });

  await t.test("delete garbage-collects owned ReplicaSets", async () => {
    const uid = await ok(["get", subject.resource, "web", "-n", "conf", "-o", "jsonpath={.metadata.uid}"]);
    const rs = (name: string): Record<string, unknown> => ({
      apiVersion: "apps/v1", kind: "ReplicaSet",
      metadata: { name, namespace: "conf", labels: { app: "web" }, ownerReferences: [{ apiVersion: subject.apiVersion, kind: subject.kind, name: "web", uid, controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: 2, selector: { matchLabels: { app: "web", rs: name } }, template: { metadata: { labels: { app: "web", rs: name } }, spec: { containers: [{ name: "web", image: "web:2" }] } } },
    });
    await ok(["apply", "-f", file("rs.yaml", [rs("web-1"), rs("web-2")])]);
    await ok(["wait", "rs/web-1", "-n", "conf", "--for=jsonpath={.status.readyReplicas}=2", "--timeout=10s"]);
    const listed = await ok(["get", "rs", "-n", "conf"]);
    assert.match(listed, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
    assert.match(await ok(["delete", subject.resource, "web", "-n", "conf"]), /deleted/);
    const deadline = Date.now() + 5000;
    let left = "";
    do {
      const r = await run(["get", "rs", "-n", "conf", "-o", "name"]);
      left = r.stdout.trim();
      if (left === "") break;
      await new Promise((res) => setTimeout(res, 100));
    } while (Date.now() < deadline);
    assert.equal(left, "", "owned ReplicaSets were garbage-collected");
  });

  await t.test("delete --cascade=foreground waits for dependents; errors read like the real server's", async () => {
    await ok(["apply", "-f", file("fg.yaml", [subjectObj("fg", "web:1")])]);
    assert.match(await ok(["delete", subject.resource, "fg", "-n", "conf", "--cascade=foreground", "--timeout=10s"]), /deleted/);
    const missing = await run(["get", subject.resource, "fg", "-n", "conf"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, new RegExp(`Error from server \\(NotFound\\): ${subject.resource}\\.[a-z.]+ "fg" not found`));
    const smp = await run(["patch", subject.resource, "pruned", "-n", "conf", "-p", '{"spec":{"paused":true}}']);
    assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported/);
  });
});

test("kubectl 1.27, 1.28, 1.30 and 1.33 apply/get/patch/delete cleanly (needs /openapi/v2 for 1.27/1.28)", { timeout: 40_000 }, async () => {
  const dispatcher = await new Promise<string>((resolve) => execFile("sh", ["-c", "readlink -f $(command -v kubectl)"], (_e, out) => resolve(out.trim())));
  const binDir = dispatcher.slice(0, dispatcher.lastIndexOf("/"));
  for (const version of ["1.27", "1.28", "1.30", "1.33"]) {
    const binary = join(binDir, `kubectl.${version}`);
    if (!existsSync(binary)) continue;
    const vEnv = { ...env, KUBECACHEDIR: join(dir, `cache-${version}`) };
    const exec = (args: string[]): Promise<Run> =>
      new Promise((resolve) => execFile(binary, args, { env: vEnv, timeout: 20_000 }, (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? 1 : 0 })));
    const name = `v${version.replace(".", "-")}`;
    const steps: string[][] = [
      ["apply", "-f", file(`${name}-a.yaml`, [ns, subjectObj(name, "web:1")])],
      ["apply", "-f", file(`${name}-b.yaml`, [ns, subjectObj(name, "web:2")])],
      ["get", subject.resource, name, "-n", "conf"],
      ["patch", subject.resource, name, "-n", "conf", "--type", "merge", "-p", '{"metadata":{"labels":{"v":"x"}}}'],
      ["delete", subject.resource, name, "-n", "conf"],
    ];
    for (const args of steps) {
      const r = await exec(args);
      assert.equal(r.code, 0, `kubectl ${version} ${args.join(" ")}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /error|warning/i, `kubectl ${version} ${args.join(" ")}: ${r.stderr}`);
    }
  }
});

test("kubectl create namespace|configmap|secret (protobuf bodies) work; other generators get 415", async () => {
  assert.match(await ok(["create", "namespace", "proto"]), /namespace\/proto created/);
  assert.match(await ok(["create", "configmap", "cfg", "-n", "proto", "--from-literal=a=b"]), /configmap\/cfg created/);
  assert.match(await ok(["create", "secret", "generic", "sec", "-n", "proto", "--from-literal=p=s3cret"]), /secret\/sec created/);
  const nsYaml = parseYaml(await ok(["get", "ns", "proto", "-o", "yaml"])) as { metadata: Record<string, unknown>; status: { phase: string } };
  assert.equal(nsYaml.metadata["generateName"], undefined, "no zero values from protobuf");
  assert.equal(nsYaml.status.phase, "Active");
  assert.equal(await ok(["get", "cm", "cfg", "-n", "proto", "-o", "jsonpath={.data.a}"]), "b");
  assert.equal(Buffer.from(await ok(["get", "secret", "sec", "-n", "proto", "-o", "jsonpath={.data.p}"]), "base64").toString(), "s3cret");
  const dep = await run(["create", "deployment", "d", "-n", "proto", "--image=nginx"]);
  assert.notEqual(dep.code, 0);
  assert.match(dep.stderr, /unknown format/);
});

test("kubectl apply --server-side: create, re-apply, conflict between managers, --force-conflicts", async () => {
  const first = file("ssa-1.yaml", [subjectObj("ssa", "web:1")]);
  assert.match(await ok(["apply", "--server-side", "-f", first]), /serverside-applied/);
  assert.match(await ok(["apply", "--server-side", "-f", first]), /serverside-applied/);
  const second = file("ssa-2.yaml", [subjectObj("ssa", "web:2")]);
  const conflict = await run(["apply", "--server-side", "--field-manager=other", "-f", second]);
  assert.notEqual(conflict.code, 0);
  // CR lists without x-kubernetes-list-type are atomic, so the whole containers list conflicts.
  assert.match(conflict.stderr, useProduct ? /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.template\.spec\.containers\n/ : /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.image\n/);
  assert.match(await ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", second]), /serverside-applied/);
  assert.equal(await ok(["get", subject.resource, "ssa", "-n", "conf", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]), "web:2");
});
