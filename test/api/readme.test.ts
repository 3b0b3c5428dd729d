import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { allCrds } from "../../src/api/crd/definitions.ts";
import type { JsonSchema } from "../../src/api/crd/structural-schema.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const isRecord = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every field name declared under a schema node, skipping subtrees whose inner fields are Kubernetes' own. */
function fieldNames(node: JsonSchema, skip: Set<string>, out = new Set<string>()): Set<string> {
  const props = isRecord(node.properties) ? node.properties : {};
  for (const [name, child] of Object.entries(props)) {
    out.add(name);
    if (skip.has(name) || !isRecord(child)) continue;
    fieldNames(child, skip, out);
    if (isRecord(child.items)) fieldNames(child.items, skip, out);
  }
  return out;
}

test("the README documents every field of Rollout spec/status and of analysis templates", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const skip = new Set(["template", "selector", "conditions", "metadata"]);
  const missing: string[] = [];
  for (const crd of allCrds()) {
    if (!["Rollout", "AnalysisTemplate"].includes(String((crd.spec.names as JsonSchema).kind))) continue;
    const versions = crd.spec.versions as { schema: { openAPIV3Schema: JsonSchema } }[];
    const root = versions[0]?.schema.openAPIV3Schema;
    assert.ok(root);
    for (const name of fieldNames(root, skip)) {
      if (["apiVersion", "kind", "metadata"].includes(name)) continue;
      if (!readme.includes(`\`${name}\``) && !readme.includes(`${name}:`) && !new RegExp(`[\`{ ,/.]${name}[\`}, /.[]`).test(readme)) missing.push(name);
    }
  }
  assert.deepEqual(missing, [], "fields missing from README.md's reference");
});
