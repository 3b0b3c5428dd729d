/**
 * The sandbox gateway against the sandbox API server: two tiny HTTP servers behind Services with
 * Endpoints, an HTTPRoute whose weights and rules change while requests flow, and a mirror target.
 */
import assert from "node:assert/strict";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { startApiServer, type ApiServer, type JsonObject } from "../../src/sandbox/apiserver/index.ts";
import { thirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { BACKEND_HEADER, seededRandom, startGateway, type RunningGateway } from "../../src/sandbox/gateway/index.ts";

interface Backend {
  readonly name: string;
  readonly server: Server;
  port: number;
  hits: number;
}

async function tinyServer(name: string): Promise<Backend> {
  const backend: Backend = { name, server: createServer(), port: 0, hits: 0 };
  backend.server.on("request", (req, res) => {
    backend.hits++;
    req.resume();
    req.on("end", () => res.writeHead(200, { "x-served-by": name }).end(name));
  });
  await new Promise<void>((resolve) => backend.server.listen(0, "127.0.0.1", () => resolve()));
  backend.port = (backend.server.address() as AddressInfo).port;
  return backend;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function get(port: number, headers: Record<string, string> = {}): Promise<{ status: number; servedBy: string | undefined; backend: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers, agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, servedBy: res.headers["x-served-by"] as string | undefined, backend: res.headers[BACKEND_HEADER] as string | undefined }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** `n` requests, 32 at a time; counts by the server that answered. */
async function tally(port: number, n: number, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        next++;
        const r = await get(port, headers);
        const key = r.status === 200 ? (r.servedBy ?? "?") : String(r.status);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }),
  );
  return counts;
}

function httpRoute(stable: number, canary: number, extraRules: JsonObject[] = []): JsonObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web", namespace: "default" },
    spec: {
      parentRefs: [{ name: "sandbox" }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { name: "web-stable", port: 80, weight: stable },
            { name: "web-canary", port: 80, weight: canary },
          ],
        },
        ...extraRules,
      ],
    },
  };
}

describe("sandbox gateway", () => {
  let server: ApiServer;
  let custom: CustomObjectsApi;
  let gateway: RunningGateway;
  const backends: Backend[] = [];

  const service = (name: string, port: number | undefined): void => {
    server.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { ports: [{ name: "http", port: 80 }] } });
    server.create({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name, namespace: "default" },
      ...(port ? { subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "http", port }] }] } : {}),
    });
  };

  async function replaceRoute(body: JsonObject): Promise<void> {
    const current = (await custom.getNamespacedCustomObject({ group: "gateway.networking.k8s.io", version: "v1", namespace: "default", plural: "httproutes", name: "web" })) as JsonObject;
    const resourceVersion = (current["metadata"] as JsonObject)["resourceVersion"];
    await custom.replaceNamespacedCustomObject({
      group: "gateway.networking.k8s.io",
      version: "v1",
      namespace: "default",
      plural: "httproutes",
      name: "web",
      body: { ...body, metadata: { ...(body["metadata"] as JsonObject), resourceVersion } },
    });
  }

  async function routeSeen(check: (rules: JsonObject[]) => boolean): Promise<void> {
    await gateway.waitFor(({ route }) => check((route?.spec.rules ?? []) as JsonObject[]));
  }

  before(async () => {
    server = await startApiServer({ preload: [thirdPartyCrdFiles.httpRoute] });
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    for (const name of ["stable", "canary", "shadow"]) backends.push(await tinyServer(name));
    const [stable, canary, shadow] = backends as [Backend, Backend, Backend];
    service("web-stable", stable.port);
    service("web-canary", canary.port);
    service("web-shadow", shadow.port);
    service("web-empty", undefined);
    server.create(httpRoute(80, 20));
    gateway = await startGateway({ kubeConfig: kc, namespace: "default", httpRoute: "web", random: seededRandom(1) });
    await gateway.waitFor(({ route, endpoints }) => route !== undefined && endpoints("default", "web-stable") === 1 && endpoints("default", "web-canary") === 1);
  });

  after(async () => {
    await gateway?.stop();
    agent.destroy();
    for (const b of backends) await new Promise<void>((resolve) => b.server.close(() => resolve()));
    await server?.stop();
  });

  it("splits 80/20 by the HTTPRoute's weights, and follows a weight change to 50/50", async () => {
    const first = await tally(gateway.port, 1_000);
    assert.equal((first.get("stable") ?? 0) + (first.get("canary") ?? 0), 1_000, JSON.stringify([...first]));
    assert.ok(Math.abs((first.get("canary") ?? 0) / 1_000 - 0.2) < 0.05, `canary share ${first.get("canary")}/1000`);

    await replaceRoute(httpRoute(50, 50));
    await routeSeen((rules) => (rules[0]?.["backendRefs"] as { weight?: number }[])[1]?.weight === 50);
    const second = await tally(gateway.port, 1_000);
    assert.ok(Math.abs((second.get("canary") ?? 0) / 1_000 - 0.5) < 0.06, `canary share ${second.get("canary")}/1000`);

    await replaceRoute(httpRoute(100, 0));
    await routeSeen((rules) => (rules[0]?.["backendRefs"] as { weight?: number }[])[1]?.weight === 0);
    const third = await tally(gateway.port, 300);
    assert.equal(third.get("stable"), 300);
  });

  it("routes a header match to the canary only, and says which Service served", async () => {
    await replaceRoute(
      httpRoute(100, 0, [
        {
          name: "sluice-demo-testers-0",
          matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "X-Canary", value: "always" }] }],
          backendRefs: [{ name: "web-canary", port: 80, weight: 1 }],
        },
      ]),
    );
    await routeSeen((rules) => rules.length === 2);
    const withHeader = await tally(gateway.port, 200, { "x-canary": "always" });
    assert.deepEqual([...withHeader], [["canary", 200]]);
    const without = await tally(gateway.port, 200);
    assert.deepEqual([...without], [["stable", 200]]);
    const one = await get(gateway.port, { "x-canary": "always" });
    assert.equal(one.backend, "web-canary");
  });

  it("mirrors the RequestMirror percent to the mirror Service, answering from the primary", async () => {
    const shadow = backends[2] as Backend;
    const before = shadow.hits;
    await replaceRoute({
      ...httpRoute(100, 0),
      spec: {
        rules: [
          {
            backendRefs: [{ name: "web-stable", port: 80, weight: 100 }],
            filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "web-shadow", port: 80 }, percent: 30 } }],
          },
        ],
      },
    });
    await routeSeen((rules) => (rules[0]?.["filters"] as unknown[] | undefined)?.length === 1);
    const answered = await tally(gateway.port, 1_000);
    assert.deepEqual([...answered], [["stable", 1_000]]);
    // Mirrors are fire-and-forget: give the last copies a moment to land.
    const deadline = Date.now() + 2_000;
    while (shadow.hits - before < 250 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mirrored = (shadow.hits - before) / 1_000;
    assert.ok(Math.abs(mirrored - 0.3) < 0.05, `mirrored share ${mirrored}`);
  });

  it("answers 503 for a Service without endpoints and 404 when no rule matches", async () => {
    await replaceRoute({
      ...httpRoute(100, 0),
      spec: {
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "web-empty", port: 80 }] },
          { matches: [{ path: { type: "Exact", value: "/only" } }], backendRefs: [{ name: "web-stable", port: 80 }] },
        ],
      },
    });
    await routeSeen((rules) => (rules[0]?.["backendRefs"] as { name: string }[])[0]?.name === "web-empty");
    assert.equal((await get(gateway.port)).status, 503);
    await replaceRoute({ ...httpRoute(100, 0), spec: { rules: [{ matches: [{ path: { type: "Exact", value: "/only" } }], backendRefs: [{ name: "web-stable", port: 80 }] }] } });
    await routeSeen((rules) => rules.length === 1 && (rules[0]?.["matches"] as unknown[] | undefined)?.length === 1);
    assert.equal((await get(gateway.port)).status, 404);
  });

  it("follows Endpoints: a backend that loses its endpoints gets 503, one that gains them is served", async () => {
    await replaceRoute(httpRoute(0, 100));
    await routeSeen((rules) => (rules[0]?.["backendRefs"] as { weight?: number }[])[0]?.weight === 0);
    const t = server.registry.find("", "v1", "endpoints");
    assert.ok(t);
    const ep = server.store.get("endpoints", "default", "web-canary");
    assert.ok(ep);
    const { subsets: _subsets, ...withoutSubsets } = structuredClone(ep);
    server.service.writeAsController(t, withoutSubsets);
    await gateway.waitFor(({ endpoints }) => endpoints("default", "web-canary") === 0);
    assert.equal((await get(gateway.port)).status, 503);
    server.service.writeAsController(t, ep);
    await gateway.waitFor(({ endpoints }) => endpoints("default", "web-canary") === 1);
    assert.equal((await get(gateway.port)).servedBy, "canary");
  });
});
