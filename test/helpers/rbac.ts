/**
 * deploy/'s RBAC as tests use it: the objects `kubectl kustomize deploy/` renders (to apply to an API server in
 * RBAC mode), the ClusterRole's grants as (verb, group, resource) triples, and a cheap client-side check that
 * every request a controller counted in its metrics is allowed by the ClusterRole (matched by the sandbox RBAC
 * authorizer's own rule matching). test/deploy/rbac-used-equals-granted.test.ts is the server-side proof.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { ControllerMetrics } from "../../src/controller/metrics.ts";
import { policyRuleSchema, ruleAllows, type PolicyRule } from "../../src/sandbox/apiserver/auth/policy-rule.ts";
import { REPO_ROOT } from "./run-cli.ts";

type Doc = { kind?: string; metadata?: { name?: string }; rules?: unknown };
const RBAC_KINDS = new Set(["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);

function docsOf(yaml: string): Doc[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter((d) => d !== null && typeof d === "object");
}

/** `kubectl kustomize DIR` (deploy/ by default), parsed. */
export function renderDeploy(dir = join(REPO_ROOT, "deploy")): Promise<Doc[]> {
  return new Promise((resolve, reject) => {
    execFile("kubectl", ["kustomize", dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`kubectl kustomize ${dir}: ${stderr || error.message}`)) : resolve(docsOf(stdout))));
  });
}

/** The namespace, ServiceAccount and RBAC objects of the rendered install, as one YAML stream. */
export async function rbacObjectsYaml(dir?: string): Promise<string> {
  return (await renderDeploy(dir)).filter((d) => RBAC_KINDS.has(d.kind ?? "")).map((d) => stringify(d)).join("---\n");
}

export function rulesOf(doc: Doc | undefined): PolicyRule[] {
  assert.ok(doc && Array.isArray(doc.rules), `no rules in ${doc?.kind ?? "(missing)"} ${doc?.metadata?.name ?? ""}`);
  return doc.rules.map((r) => policyRuleSchema.parse(r));
}

/** Every (verb, group, resource) a rule list grants, as "verb group/resource" (no wildcards expected). */
export function grantsOf(rules: readonly PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const rule of rules) for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) out.add(`${verb} ${group}/${resource}`);
  return out;
}

const RESOURCES: Record<string, [group: string, resource: string]> = {
  Rollout: ["sluice.dev", "rollouts"],
  "Rollout/status": ["sluice.dev", "rollouts/status"],
  AnalysisRun: ["sluice.dev", "analysisruns"],
  "AnalysisRun/status": ["sluice.dev", "analysisruns/status"],
  AnalysisTemplate: ["sluice.dev", "analysistemplates"],
  ClusterAnalysisTemplate: ["sluice.dev", "clusteranalysistemplates"],
  ReplicaSet: ["apps", "replicasets"],
  Deployment: ["apps", "deployments"],
  Job: ["batch", "jobs"],
  Service: ["", "services"],
  Pod: ["", "pods"],
  Secret: ["", "secrets"],
  ConfigMap: ["", "configmaps"],
  Event: ["", "events"],
  Lease: ["coordination.k8s.io", "leases"],
  HTTPRoute: ["gateway.networking.k8s.io", "httproutes"],
  Ingress: ["networking.k8s.io", "ingresses"],
  VirtualService: ["networking.istio.io", "virtualservices"],
  DestinationRule: ["networking.istio.io", "destinationrules"],
  TrafficSplit: ["split.smi-spec.io", "trafficsplits"],
};

let clusterRole: PolicyRule[] | undefined;
function clusterRoleRules(): PolicyRule[] {
  clusterRole ??= rulesOf(docsOf(execFileSync("kubectl", ["kustomize", join(REPO_ROOT, "deploy", "rbac")], { encoding: "utf8" })).find((d) => d.kind === "ClusterRole"));
  return clusterRole;
}

export async function assertRequestsAllowedByRbac(metrics: ControllerMetrics): Promise<number> {
  const rules = clusterRoleRules();
  const seen = (await metrics.apiRequests.get()).values.map((v) => ({ verb: String(v.labels.verb), kind: String(v.labels.kind) }));
  const denied: string[] = [];
  for (const { verb, kind } of seen) {
    // API discovery (GET /api/v1, /apis/GROUP/VERSION): every authenticated user may, by kube-apiserver's
    // default ClusterRole system:discovery; no grant of ours is needed.
    if (verb === "get" && kind === "APIResourceList") continue;
    const target = RESOURCES[kind];
    if (!target) {
      denied.push(`${verb} ${kind} (unknown kind: add it to test/helpers/rbac.ts)`);
      continue;
    }
    const [group, resourcePath] = target;
    const [resource = "", subresource = ""] = resourcePath.split("/");
    const attrs = { kind: "resource" as const, verb, group, version: "", resource, subresource, namespace: "default", name: "" };
    if (!rules.some((r) => ruleAllows(attrs, r))) denied.push(`${verb} ${resourcePath}${group ? `.${group}` : ""}`);
  }
  assert.deepEqual(denied, [], "requests the ClusterRole in deploy/rbac/cluster-role.yaml does not allow");
  return seen.length;
}
