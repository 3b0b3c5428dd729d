/**
 * Checks that every request the controller made is allowed by the ClusterRole in deploy/rbac/cluster-role.yaml,
 * so least privilege is tested, not hoped for.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ControllerMetrics } from "../../src/controller/metrics.ts";
import { REPO_ROOT } from "./run-cli.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

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

function clusterRoleRules(): Rule[] {
  const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, "deploy", "rbac", "cluster-role.yaml"), "utf8"));
  const role = (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS() as { kind?: string; rules?: Rule[] }).find((d) => d.kind === "ClusterRole");
  assert.ok(role?.rules, "deploy/rbac/cluster-role.yaml has a ClusterRole");
  return role.rules;
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
    const [group, resource] = target;
    const allowed = rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    if (!allowed) denied.push(`${verb} ${resource}${group ? `.${group}` : ""}`);
  }
  assert.deepEqual(denied, [], "requests the ClusterRole in deploy/rbac/cluster-role.yaml does not allow");
  return seen.length;
}
