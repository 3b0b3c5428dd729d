import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import { structuralSchemaFor, NonStructuralSchemaError, type JsonSchema } from "../../src/api/crd/structural-schema.ts";
import { renderCrdFiles } from "../../src/api/crd/render.ts";
import { readManifests } from "../../src/cli/files.ts";
import { parseSluiceObject } from "../../src/api/objects.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

type Crd = {
  metadata: { name: string };
  spec: {
    names: { kind: string; plural: string; shortNames?: string[]; categories?: string[] };
    versions: { name: string; subresources?: JsonSchema; additionalPrinterColumns?: { name: string; jsonPath: string }[]; schema: { openAPIV3Schema: JsonSchema } }[];
  };
};

const CRD_DIR = join(REPO_ROOT, "crds");
const checkedIn = (dir = CRD_DIR): Map<string, string> =>
  new Map(readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").map((f) => [f, readFileSync(join(dir, f), "utf8")]));
const crds = (): Crd[] => [...checkedIn().values()].map((text) => parse(text) as Crd);

const isRecord = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every rule of a structural schema we rely on; returns the offending paths. */
function structuralViolations(node: JsonSchema, path: string): string[] {
  const out: string[] = [];
  const exempt = node["x-kubernetes-int-or-string"] === true || node["x-kubernetes-preserve-unknown-fields"] === true;
  if (typeof node.type !== "string" && !exempt) out.push(`${path}: no type`);
  for (const banned of ["$ref", "anyOf", "oneOf", "allOf", "not", "definitions", "$defs", "patternProperties", "const"]) {
    if (banned in node) out.push(`${path}: ${banned}`);
  }
  if (node.additionalProperties === false) out.push(`${path}: additionalProperties false`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) out.push(`${path}: properties with additionalProperties`);
  if (isRecord(node.properties)) {
    for (const [k, child] of Object.entries(node.properties)) if (isRecord(child)) out.push(...structuralViolations(child, `${path}.${k}`));
  }
  if (isRecord(node.items)) out.push(...structuralViolations(node.items, `${path}[*]`));
  if (node.type === "array" && !isRecord(node.items)) out.push(`${path}: array without items`);
  if (isRecord(node.additionalProperties)) out.push(...structuralViolations(node.additionalProperties, `${path}{*}`));
  return out;
}

/** Fields of `value` that the schema does not declare, i.e. what the API server would prune. */
function undeclaredFields(value: unknown, schema: JsonSchema, path: string): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] === true && !isRecord(schema.properties)) return [];
  if (Array.isArray(value)) return isRecord(schema.items) ? value.flatMap((v, i) => undeclaredFields(v, schema.items as JsonSchema, `${path}[${i}]`)) : [];
  if (!isRecord(value)) return [];
  const props = isRecord(schema.properties) ? schema.properties : {};
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    // apiVersion, kind and metadata at the root are implicit: the API server never prunes them.
    if (path.indexOf(".") === -1 && k === "metadata") continue;
    const child = props[k] ?? (isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (isRecord(child)) out.push(...undeclaredFields(v, child, `${path}.${k}`));
    else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) out.push(`${path}.${k}`);
  }
  return out;
}

test("crds/ is exactly what the zod schemas generate (run `npm run crds` after changing src/api)", () => {
  const generated = renderCrdFiles();
  const files = checkedIn();
  assert.deepEqual([...files.keys()].sort(), [...generated.keys()].sort());
  for (const [name, content] of generated) assert.equal(files.get(name), content, `crds/${name} has drifted from src/api`);
});

test("deploy/crds/ (what `kubectl apply -k deploy/` installs) is the same as crds/ (run `npm run crds`)", () => {
  assert.deepEqual(checkedIn(join(REPO_ROOT, "deploy", "crds")), checkedIn());
});

test("every CRD schema is structural", () => {
  for (const crd of crds()) {
    for (const version of crd.spec.versions) {
      assert.deepEqual(structuralViolations(version.schema.openAPIV3Schema, crd.metadata.name), []);
    }
  }
});

test("Rollout has the status and scale subresources, short name and the printer columns that tell the story", () => {
  const rollout = crds().find((c) => c.spec.names.kind === "Rollout");
  assert.ok(rollout);
  assert.equal(rollout.metadata.name, "rollouts.sluice.dev");
  const version = rollout.spec.versions[0];
  assert.ok(version);
  assert.deepEqual(version.subresources?.status, {});
  assert.deepEqual(version.subresources?.scale, {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.replicas",
    labelSelectorPath: ".status.selector",
  });
  assert.deepEqual(
    version.additionalPrinterColumns?.map((c) => c.name),
    ["Phase", "Step", "Weight", "Age", "Message"],
  );
  assert.ok(rollout.spec.names.shortNames?.includes("ro"));
  // Each printer column points at a field the schema declares (else the column is always empty).
  for (const column of version.additionalPrinterColumns ?? []) {
    if (column.jsonPath.startsWith(".metadata")) continue;
    let node: JsonSchema | undefined = version.schema.openAPIV3Schema;
    for (const key of column.jsonPath.slice(1).split(".")) node = isRecord(node?.properties) ? (node.properties[key] as JsonSchema) : undefined;
    assert.ok(node, `printer column ${column.name} (${column.jsonPath}) is not in the schema`);
  }
});

test("AnalysisRun has a status subresource; ClusterAnalysisTemplate is cluster-scoped", () => {
  const byKind = new Map(crds().map((c) => [c.spec.names.kind, c]));
  assert.deepEqual(byKind.get("AnalysisRun")?.spec.versions[0]?.subresources, { status: {} });
  assert.equal((byKind.get("ClusterAnalysisTemplate")?.spec as unknown as { scope: string }).scope, "Cluster");
  assert.equal((byKind.get("AnalysisTemplate")?.spec as unknown as { scope: string }).scope, "Namespaced");
});

test("nothing in the examples (with defaults applied) would be pruned by the API server", () => {
  const schemas = new Map(crds().map((c) => [c.spec.names.kind, c.spec.versions[0]?.schema.openAPIV3Schema]));
  let checked = 0;
  for (const doc of readManifests([join(REPO_ROOT, "examples")])) {
    const parsed = parseSluiceObject(doc.content);
    if (parsed.status !== "valid") continue;
    const schema = schemas.get(parsed.object.kind);
    assert.ok(schema);
    assert.deepEqual(undeclaredFields(parsed.object.value, schema, parsed.object.kind), [], doc.source);
    checked++;
  }
  assert.ok(checked >= 7);
});

test("every status field the controller can write is declared in the CRD (else pruning drops it)", () => {
  const rollout = crds().find((c) => c.spec.names.kind === "Rollout");
  const schema = rollout?.spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  const fullStatus = {
    status: {
      phase: "Paused", message: "m", observedGeneration: 2, currentStepIndex: 1, stepProgress: "2/5", currentPodHash: "abc",
      stableRS: "def", replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, selector: "app=x",
      canary: { weights: { canary: 10, stable: 90 }, currentStepAnalysisRun: "r", currentBackgroundAnalysisRun: "b" },
      blueGreen: { activeSelector: "a", previewSelector: "b", prePromotionAnalysisRun: "p", postPromotionAnalysisRun: "q" },
      pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" }], controllerPause: true, abort: false,
      abortedAt: "2026-01-01T00:00:00Z", promoteFull: false, restartedAt: "2026-01-01T00:00:00Z",
      conditions: [{ type: "Progressing", status: "True", reason: "r", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z", lastUpdateTime: "2026-01-01T00:00:00Z" }],
    },
  };
  assert.deepEqual(undeclaredFields(fullStatus, schema, ""), []);
  assert.deepEqual(undeclaredFields({ status: { bogus: 1 } }, schema, ""), [".status.bogus"], "the check itself can fail");
});

test("the generator refuses schemas Kubernetes would call non-structural", () => {
  assert.throws(() => structuralSchemaFor(z.object({ a: z.union([z.string(), z.object({ b: z.string() })]) })), NonStructuralSchemaError);
  assert.throws(() => structuralSchemaFor(z.object({ a: z.union([z.boolean(), z.number()]) })), /a: a union other than integer-or-string/);
  const ok = structuralSchemaFor(z.object({ n: z.union([z.int(), z.string()]).optional() }));
  assert.deepEqual((ok.properties as JsonSchema).n, { "x-kubernetes-int-or-string": true });
});
