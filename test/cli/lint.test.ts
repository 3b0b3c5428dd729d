import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT, runCli } from "../helpers/run-cli.ts";

const BROKEN = join("test", "fixtures", "broken");

test("every file in examples/ lints clean", () => {
  const result = runCli(["lint", "examples/"]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /0 problem\(s\)\n$/, "no warnings either");
  // Every example holds at least one sluice object, so the directory really was checked.
  const files = readdirSync(join(REPO_ROOT, "examples")).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 7, "examples/ should hold the documented examples");
  assert.match(result.stdout, new RegExp(`^${files.length} file\\(s\\), (\\d+) valid`, "m"));
});

test("each broken Rollout gives exactly its one precise message, and lint exits 1", () => {
  const result = runCli(["lint", BROKEN]);
  assert.equal(result.code, 1);
  const lines = result.stdout.trim().split("\n");
  const files = readdirSync(join(REPO_ROOT, BROKEN)).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 15);
  for (const file of files) {
    const first = readFileSync(join(REPO_ROOT, BROKEN, file), "utf8").split("\n")[0] ?? "";
    const expected = first.replace(/^# expect: /, "");
    assert.notEqual(expected, first, `${file} must start with "# expect: <message>"`);
    const forFile = lines.filter((l) => l.startsWith(join(BROKEN, file)));
    assert.equal(forFile.length, 1, `${file}: expected one message, got:\n${forFile.join("\n")}`);
    assert.ok(forFile[0]?.endsWith(expected), `${file}:\n  got      ${forFile[0]}\n  expected …${expected}`);
  }
});

test("lint names the file, the object and the field, and exits 1 for one bad file", () => {
  const result = runCli(["lint", join(BROKEN, "weight-out-of-range.yaml")]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout.split("\n")[0],
    `${join(BROKEN, "weight-out-of-range.yaml")}: Rollout shop/weight-too-high: spec.strategy.canary.steps[2].setWeight: must be an integer between 0 and 100 (got 120)`,
  );
});

test("a stream ending in --- (or with a comment-only document) lints as kubectl reads it: the empty documents are skipped", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-lint-"));
  const file = join(dir, "trailing.yaml");
  writeFileSync(file, "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n---\n# nothing here\n---\n");
  const result = runCli(["lint", file]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /1 other object\(s\), 0 problem\(s\)/);
});

test("a missing path is a usage error on stderr, not a crash", () => {
  const result = runCli(["lint", "no/such/dir"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no\/such\/dir: no such file or directory/);
  assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, "no stack trace for user errors");
});

test("--print-defaults shows defaults applied and the shorthand expanded", () => {
  const result = runCli(["lint", "--print-defaults", "examples/canary-flagger-style.yaml", "examples/analysis-error-rate.yaml"]);
  assert.equal(result.code, 0, result.stderr);
  const docs = parseAllDocuments(result.stdout);
  assert.ok(Array.isArray(docs) && docs.length === 2, "two objects printed");
  const rollout = docs[0]?.toJS() as {
    spec: { revisionHistoryLimit: number; strategy: { canary: { maxSurge: string; stepWeight?: number; steps: unknown[] } } };
  };
  assert.equal(rollout.spec.revisionHistoryLimit, 10);
  assert.equal(rollout.spec.strategy.canary.maxSurge, "25%");
  assert.equal(rollout.spec.strategy.canary.stepWeight, undefined);
  assert.deepEqual(rollout.spec.strategy.canary.steps.slice(0, 4), [
    { setWeight: 10 },
    { pause: { duration: "1m" } },
    { setWeight: 20 },
    { pause: { duration: "1m" } },
  ]);
  assert.equal(rollout.spec.strategy.canary.steps.length, 10);
});

test("a judge whose points overlap is a warning naming the field and the step to set; lint still exits 0", () => {
  const file = join(mkdtempSync(join(tmpdir(), "sluice-lint-")), "judge.yaml");
  writeFileSync(
    file,
    `apiVersion: sluice.dev/v1alpha1
kind: ClusterAnalysisTemplate
metadata: { name: p99-vs-stable }
spec:
  metrics:
    - name: p99-vs-stable
      interval: 1m
      compare:
        query: histogram_quantile(0.99, sum by (le) (rate(latency_bucket{hash="{{podTemplateHash}}"}[1m])))
        step: 10s
      provider: { prometheus: {} }
`,
  );
  const result = runCli(["lint", file]);
  assert.equal(result.code, 0, result.stdout);
  assert.equal(
    result.stdout.slice(result.stdout.indexOf(": ClusterAnalysisTemplate")),
    `: ClusterAnalysisTemplate p99-vs-stable: spec.metrics[0].compare.step: warning: points overlap: the query's range [1m] is longer than step 10s, so neighbouring points share requests and the judge's tests, which assume independent points, overstate the evidence; set compare.step to 1m or more\n` +
      "1 file(s), 1 valid sluice object(s), 0 other object(s), 0 problem(s), 1 warning(s)\n",
  );
});
