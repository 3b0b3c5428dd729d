/** `sluice lint --cluster`: analysis templates the files do not hold are looked up in the cluster. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";
import { runCliAsync } from "../helpers/run-cli.ts";

let env: Env;
before(async () => {
  env = await startEnv();
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "ClusterAnalysisTemplate",
    metadata: { name: "in-cluster" },
    spec: { args: [{ name: "pod-hash" }], metrics: [{ name: "m", successCondition: { max: 1 }, provider: { prometheus: { query: "vector(0)" } } }] },
  });
});
after(async () => env?.stop());

function rolloutFile(templates: { templateName: string; clusterScope: boolean }[]): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-lint-"));
  const file = join(dir, "rollout.yaml");
  writeFileSync(
    file,
    stringify({
      apiVersion: API_GROUP_VERSION,
      kind: "Rollout",
      metadata: { name: "web", namespace: "default" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "acme/web:1" }] } },
        strategy: { canary: { steps: [{ analysis: { templates, args: [{ name: "pod-hash", valueFrom: { podTemplateHashValue: "Latest" } }] } }] } },
      },
    }),
  );
  return file;
}

test("a template only in the cluster: an error without --cluster, found with it", async () => {
  const file = rolloutFile([{ templateName: "in-cluster", clusterScope: true }]);
  const offline = await runCliAsync(["lint", file]);
  assert.equal(offline.code, 1);
  assert.match(offline.stdout, /ClusterAnalysisTemplate "in-cluster" was not found in the files given \(add its file, or use --cluster to look in the cluster\)/);
  const online = await runCliAsync(["lint", "--cluster", "--kubeconfig", env.server.kubeconfigPath, file]);
  assert.equal(online.code, 0, online.stdout + online.stderr);
  assert.match(online.stdout, /0 problem\(s\)/);
});

test("a template in neither: the message says both places were searched", async () => {
  const file = rolloutFile([{ templateName: "nowhere", clusterScope: true }]);
  const result = await runCliAsync(["lint", "--cluster", "--kubeconfig", env.server.kubeconfigPath, file]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /spec\.strategy\.canary\.steps\[0\]\.analysis\.templates\[0\]\.templateName: ClusterAnalysisTemplate "nowhere" was not found in the files given or the cluster/);
});
