// The CRDs explain themselves: every field of the four kinds carries a description (what `kubectl explain`
// prints), and the real kubectl shows them when it asks the sandbox API server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import { structuralSchemaFor, type JsonSchema } from "../../src/api/crd/structural-schema.ts";
import { startApiServer } from "../../src/sandbox/apiserver/index.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

type Crd = { spec: { names: { kind: string }; versions: { schema: { openAPIV3Schema: JsonSchema } }[] } };

const CRD_DIR = join(REPO_ROOT, "crds");
const crds = (): Crd[] =>
  readdirSync(CRD_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => parse(readFileSync(join(CRD_DIR, f), "utf8")) as Crd);

const isRecord = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);
const described = (node: JsonSchema): boolean => typeof node.description === "string" && node.description.trim() !== "";

/**
 * Paths (kubectl explain's notation, `[]` for an array's items, `{}` for a map's values) of every property
 * without a description, at every depth, through arrays' items and maps' values. An item or map value that is
 * itself an object with fields must be described too; a scalar one (a list of strings) is described by its field.
 */
function undescribed(node: JsonSchema, path: string, out: string[] = []): string[] {
  if (isRecord(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isRecord(child)) continue;
      const at = `${path}.${name}`;
      if (!described(child)) out.push(at);
      undescribed(child, at, out);
    }
  }
  for (const [key, mark] of [["items", "[]"], ["additionalProperties", "{}"]] as const) {
    const inner = node[key];
    if (!isRecord(inner)) continue;
    if (isRecord(inner.properties) && !described(inner)) out.push(`${path}${mark}`);
    undescribed(inner, `${path}${mark}`, out);
  }
  return out;
}

test("every field of every CRD, at every depth, has a description (what `kubectl explain` prints)", () => {
  const all = crds();
  assert.deepEqual(all.map((c) => c.spec.names.kind).sort(), ["AnalysisRun", "AnalysisTemplate", "ClusterAnalysisTemplate", "Rollout"]);
  const missing: string[] = [];
  for (const crd of all) {
    const root = crd.spec.versions[0]?.schema.openAPIV3Schema;
    assert.ok(root);
    const kind = crd.spec.names.kind;
    if (!described(root)) missing.push(`${kind} (the kind itself)`);
    missing.push(...undescribed(root, kind));
  }
  assert.deepEqual(missing, [], "fields without a description: give them one with .describe() in src/api, then `npm run crds`");
});

test("the walk finds a missing description at any depth (items, map values, nested objects)", () => {
  const schema = structuralSchemaFor(
    z.strictObject({
      spec: z
        .strictObject({
          list: z.array(z.strictObject({ deep: z.string().describe("d"), bare: z.int() })).describe("l"),
          map: z.record(z.string(), z.strictObject({ v: z.string() })).describe("m"),
          tags: z.array(z.string()).describe("scalar items need no description of their own"),
        })
        .describe("s"),
    }),
  );
  assert.deepEqual(undescribed(schema, "X").sort(), ["X.apiVersion", "X.kind", "X.metadata", "X.spec.list[]", "X.spec.list[].bare", "X.spec.map{}", "X.spec.map{}.v"]);
});

test("descriptions survive every path through the generator: optional, default, prefault, int-or-string, exactly-one-of, reused schemas, items, records", () => {
  const shared = z.strictObject({ a: z.string().describe("A") }).describe("shared");
  const oneOf = z.strictObject({ x: z.string().optional().describe("X") }).meta({ minProperties: 1, maxProperties: 1 });
  const root = structuralSchemaFor(
    z.strictObject({
      apiVersion: z.literal("v1").describe("api"),
      kind: z.literal("K").describe("kind"),
      metadata: z.looseObject({}).describe("meta"),
      spec: z.strictObject({
        opt: z.string().optional().describe("opt"),
        def: z.int().default(3).describe("def"),
        pre: z.strictObject({ q: z.int().default(1).describe("q") }).prefault({}).describe("pre"),
        dur: z.union([z.int(), z.string()]).optional().describe("dur"),
        branch: z.union([z.int().describe("on a branch"), z.string()]),
        one: oneOf.optional().describe("one"),
        first: shared.optional().describe("first use"),
        second: shared.optional(),
        list: z.array(shared).optional().describe("list"),
        map: z.record(z.string(), shared).optional().describe("map"),
        condition: z.unknown().meta({ "x-kubernetes-preserve-unknown-fields": true }).optional().describe("kept"),
      }),
    }),
  );
  const props = root.properties as Record<string, JsonSchema>;
  assert.deepEqual([props.apiVersion?.description, props.kind?.description, props.metadata?.description], ["api", "kind", "meta"]);
  const spec = props.spec?.properties as Record<string, JsonSchema>;
  const d = (name: string) => spec[name]?.description;
  assert.deepEqual(
    ["opt", "def", "pre", "dur", "branch", "one", "first", "second"].map(d),
    ["opt", "def", "pre", "dur", "on a branch", "one", "first use", "shared"],
  );
  assert.equal(((spec.pre?.properties as Record<string, JsonSchema>).q)?.description, "q");
  assert.equal(((spec.one?.properties as Record<string, JsonSchema>).x)?.description, "X");
  assert.equal(d("list"), "list");
  assert.equal((spec.list?.items as JsonSchema).description, "shared");
  assert.equal(((spec.list?.items as JsonSchema).properties as Record<string, JsonSchema>).a?.description, "A");
  assert.equal(d("map"), "map");
  assert.equal((spec.map?.additionalProperties as JsonSchema).description, "shared");
  assert.deepEqual(spec.condition, { "x-kubernetes-preserve-unknown-fields": true, description: "kept" });
});

/** The DESCRIPTION block of `kubectl explain` output (the lines after the heading, up to FIELDS or the end). */
function descriptionBlock(explained: string): string {
  const match = /^DESCRIPTION:\n([\s\S]*?)(?=^FIELDS:|(?![\s\S]))/m.exec(explained);
  return (match?.[1] ?? "").replace(/\s+/g, " ").trim();
}

/**
 * What `kubectl explain` should print for one field, by its explain path (items are walked through
 * transparently): the field's description, then (for a list) its items' description, as kubectl shows both.
 */
function schemaDescription(kind: string, path: string[]): string {
  const crd = crds().find((c) => c.spec.names.kind === kind);
  let node: JsonSchema | undefined = crd?.spec.versions[0]?.schema.openAPIV3Schema;
  for (const key of path) {
    while (node && isRecord(node.items)) node = node.items;
    node = node && isRecord(node.properties) ? (node.properties[key] as JsonSchema | undefined) : undefined;
  }
  assert.ok(node && typeof node.description === "string", `${kind}.${path.join(".")} is in the CRD with a description`);
  const texts = [node.description];
  if (isRecord(node.items) && typeof node.items.description === "string") texts.push(node.items.description);
  return texts.join(" ").replace(/\s+/g, " ").trim();
}

test("kubectl explain, against the sandbox API server with crds/ applied, prints the descriptions", { timeout: 90_000 }, async () => {
  const server = await startApiServer({ readyDelayMs: 50, simulation: false });
  const home = mkdtempSync(join(tmpdir(), "sluice-explain-"));
  const env = { ...process.env, KUBECONFIG: server.kubeconfigPath, KUBECACHEDIR: join(home, "cache"), HOME: home };
  // Asynchronous on purpose: the API server runs in this process and must answer while kubectl waits.
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile("kubectl", args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr || error.message}`));
        else resolve(stdout);
      });
    });
  try {
    await kubectl("apply", "-f", CRD_DIR);
    for (const crd of ["rollouts", "analysistemplates", "clusteranalysistemplates", "analysisruns"]) {
      await kubectl("wait", "--for=condition=Established", `crd/${crd}.sluice.dev`, "--timeout=20s");
    }

    const setWeight = await kubectl("explain", "rollout.spec.strategy.canary.steps.setWeight");
    assert.match(setWeight, /^FIELD: +setWeight <integer>/m);
    assert.equal(descriptionBlock(setWeight), schemaDescription("Rollout", ["spec", "strategy", "canary", "steps", "setWeight"]));
    assert.match(descriptionBlock(setWeight), /^Percentage of traffic \(0-100\) the router sends to the canary at this step/);

    const query = await kubectl("explain", "analysistemplate.spec.metrics.provider.prometheus.query");
    assert.match(query, /^FIELD: +query <string>/m);
    assert.equal(descriptionBlock(query), schemaDescription("AnalysisTemplate", ["spec", "metrics", "provider", "prometheus", "query"]));
    assert.match(descriptionBlock(query), /PromQL/);

    const steps = await kubectl("explain", "rollout.spec.strategy.canary.steps");
    assert.notEqual(descriptionBlock(steps), "<empty>");
    assert.equal(descriptionBlock(steps), schemaDescription("Rollout", ["spec", "strategy", "canary", "steps"]));
    const fields = steps.slice(steps.indexOf("FIELDS:"));
    for (const field of ["analysis", "pause", "setCanaryScale", "setHeaderRoute", "setMirrorRoute", "setWeight"]) {
      assert.match(fields, new RegExp(`^  ${field}\\t<`, "m"), `steps lists ${field}`);
    }
    assert.doesNotMatch(steps, /<no description>|<empty>/);

    // The kinds themselves, their roots (apiVersion, kind, metadata, spec, status) and a cluster-scoped kind.
    for (const resource of ["rollout", "analysistemplate", "clusteranalysistemplate", "analysisrun", "rollout.status", "analysisrun.status.metricResults.measurements"]) {
      const out = await kubectl("explain", resource);
      assert.notEqual(descriptionBlock(out), "<empty>", `kubectl explain ${resource} has a description`);
      assert.doesNotMatch(out, /<no description>|<empty>/, `kubectl explain ${resource}`);
    }

    // The whole tree, as `--recursive` walks it: every field kubectl shows there exists, in the CRD, with a description.
    const recursive = await kubectl("explain", "rollout.spec.strategy.canary.trafficRouting", "--recursive");
    assert.match(recursive, /destinationRule\t<Object>/);
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
