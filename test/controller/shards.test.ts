import assert from "node:assert/strict";
import { test } from "node:test";
import { runShardKey } from "../../src/controller/analysis-lifecycle.ts";
import { shardConfigProblem } from "../../src/controller/leadership.ts";
import { shardLeaseName, shardOf } from "../../src/controller/shards.ts";

test("a Rollout's shard is the same on every replica and release: SHA-256 of namespace/name, first 4 bytes, modulo the count", () => {
  // Pinned: a change here would move Rollouts between shards on upgrade, with two replicas believing they own one.
  // (`printf %s default/app-1 | sha256sum`: 2c54b2dd..., and 0x2c54b2dd mod 3 = 2.)
  assert.deepEqual(["default/app-0", "default/app-1", "prod/checkout", "a/b"].map((k) => shardOf(k, 3)), [0, 2, 1, 1]);
  assert.equal(shardOf("default/app-0", 1), 0);
  assert.equal(shardOf("default/anything", 1), 0);
});

test("shards split 10,000 Rollouts as evenly as chance allows (each within 4 standard deviations of its share)", () => {
  for (const count of [2, 3, 7]) {
    const sizes = new Array<number>(count).fill(0);
    for (let i = 0; i < 10_000; i++) sizes[shardOf(`ns-${i % 37}/app-${i}`, count)]! += 1;
    // A uniform hash gives each shard Binomial(10,000, 1/count): about ±1% at 2 shards, ±2.5% at 7.
    const mean = 10_000 / count;
    const sd = Math.sqrt(mean * (1 - 1 / count));
    for (const size of sizes) assert.ok(Math.abs(size - mean) < 4 * sd, `shard sizes ${sizes.join(", ")} for ${count} shards`);
  }
});

test("an AnalysisRun goes with its Rollout's shard", () => {
  const run = { metadata: { namespace: "prod", name: "checkout-abc-1", labels: { "sluice.dev/rollout": "checkout" } } };
  assert.equal(runShardKey(run), "prod/checkout");
  assert.equal(runShardKey({ metadata: { namespace: "prod", name: "standalone" } }), "prod/standalone");
});

test("shard Leases: the plain name unsharded, one per shard otherwise", () => {
  assert.equal(shardLeaseName("sluice-controller", 0, 1), "sluice-controller");
  assert.equal(shardLeaseName("sluice-controller", 2, 3), "sluice-controller-shard-2");
});

test("shard options that cannot work are refused naming the flag", () => {
  assert.equal(shardConfigProblem({ count: 1 }), undefined);
  assert.equal(shardConfigProblem({ count: 3, index: 2 }), undefined);
  assert.match(shardConfigProblem({ count: 3 }) ?? "", /--shard-index is required with --shard-count 3/);
  assert.match(shardConfigProblem({ count: 3, index: 3 }) ?? "", /--shard-index must be a whole number from 0 to 2/);
  assert.match(shardConfigProblem({ count: 0 }) ?? "", /--shard-count must be a whole number of at least 1/);
});
