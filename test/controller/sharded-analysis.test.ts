/**
 * A sharded controller measures only the AnalysisRuns of its own shard's Rollouts: another replica's runs
 * get no status from it (two runners measuring one run would double its looks and race its status).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import { shardOf } from "../../src/controller/shards.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";

let env: Env;
let prometheus: Server;
/** The queries the controller sent, as a real Prometheus would receive them. */
const queries: string[] = [];
before(async () => {
  prometheus = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    // GET with the query in the URL, or POST with it form-encoded, as Prometheus accepts both.
    queries.push(new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? new URLSearchParams(body).get("query") ?? "");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, "0"] }] } }));
  });
  await new Promise<void>((resolve) => prometheus.listen(0, "127.0.0.1", resolve));
  const address = prometheus.address();
  const port = typeof address === "object" && address ? address.port : 0;
  env = await startEnv();
  await env.startController({ shards: { count: 2, index: 0 }, analysis: { prometheusAddress: `http://127.0.0.1:${port}` } });
});
after(async () => {
  await env?.stop();
  prometheus?.close();
});

const rolloutIn = (shard: number) => {
  for (let i = 0; ; i++) if (shardOf(`default/owner-${i}`, 2) === shard) return `owner-${i}`;
};

const run = (name: string, rollout: string, query: string) => ({
  apiVersion: API_GROUP_VERSION,
  kind: "AnalysisRun",
  metadata: { name, namespace: "default", labels: { [ROLLOUT_LABEL]: rollout } },
  spec: { metrics: [{ name: "m", interval: "1s", count: 2, successCondition: { max: 1 }, provider: { prometheus: { query, timeout: "1s" } } }] },
});

test("shard 0's replica runs shard 0's AnalysisRuns and leaves shard 1's alone", { timeout: 30_000 }, async () => {
  await env.kube.create(run("mine", rolloutIn(0), "vector(0)"));
  await env.kube.create(run("theirs", rolloutIn(1), "vector(1)"));
  const ref = (name: string) => ({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name });
  await env.waitFor("shard 0's run measured", async () => ((await env.kube.get(ref("mine")))?.status ? true : undefined), 15_000);
  // It had as long again as the first run needed, and more: still untouched.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal((await env.kube.get(ref("theirs")))?.status, undefined);
  assert.ok(queries.includes("vector(0)"), `queries: ${queries.join(", ")}`);
  assert.ok(!queries.includes("vector(1)"), "the other shard's run was measured (its status write alone was fenced)");
});
