/**
 * The sandbox runtime composed as `sluice sandbox` will compose it: the API server with the process
 * workload runner and the endpoints controller, the real controller routing through a Gateway API
 * HTTPRoute, the gateway in front, and the open-loop load generator. What clients see follows what the
 * controller decides: the canary's share at a setWeight step, the header route, and 100% stable after abort.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startController, type RunningController } from "../../src/controller/controller.ts";
import { ClientNodeKube, type KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { startApiServer, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { thirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { startGateway, type RunningGateway } from "../../src/sandbox/gateway/index.ts";
import { startLoad } from "../../src/sandbox/load/index.ts";
import { ProcessWorkloadRunner, startEndpointsController, type EndpointsController } from "../../src/sandbox/workloads/index.ts";
import { waitFor as waitForValue } from "../helpers/wait-for.ts";

const CRDS = readdirSync(new URL("../../crds/", import.meta.url)).map((f) => join(new URL("../../crds/", import.meta.url).pathname, f));

type RolloutStatus = { phase?: string; currentStepIndex?: number; stableRS?: string; currentPodHash?: string };

describe("sandbox runtime end to end", () => {
  let server: ApiServer;
  let runner: ProcessWorkloadRunner;
  let endpoints: EndpointsController;
  let controller: RunningController;
  let gateway: RunningGateway;
  let kube: ClientNodeKube;

  const rolloutStatus = async (): Promise<RolloutStatus> =>
    ((await kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "demo" }))?.status ?? {}) as RolloutStatus;

  const waitFor = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => waitForValue(what, check, timeoutMs);


  before(async () => {
    runner = new ProcessWorkloadRunner({ stopGraceMs: 1_000 });
    server = await startApiServer({ simulation: runner, preload: [...CRDS, thirdPartyCrdFiles.httpRoute] });
    endpoints = startEndpointsController(server);
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    kube = new ClientNodeKube(kc);
    controller = await startController({ kc, namespace: "default", workers: 2, log: pino({ level: "silent" }), routerFor });
    for (const name of ["demo-stable", "demo-canary"]) {
      await kube.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "demo" }, ports: [{ name: "http", port: 80 }] } } as KubeObject);
    }
    await kube.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "demo", namespace: "default" },
      spec: { parentRefs: [{ name: "sandbox" }], rules: [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 100 }, { name: "demo-canary", port: 80, weight: 0 }] }] },
    } as KubeObject);
    gateway = await startGateway({ kubeConfig: kc, namespace: "default", httpRoute: "demo" });
  });

  after(async () => {
    await gateway?.stop();
    await controller?.stop();
    endpoints?.stop();
    await runner?.close();
    await server?.stop();
  });

  it("clients see the canary at its weight, the header route on the canary, and only stable after abort", async () => {
    const template = (version: string) => ({
      metadata: { labels: { app: "demo" } },
      spec: { containers: [{ name: "app", image: `demo:${version}`, env: [{ name: "LATENCY_MS", value: "1" }, { name: "ERROR_RATE", value: version === "2" ? "0.1" : "0" }] }] },
    });
    await kube.create({
      apiVersion: API_GROUP_VERSION,
      kind: "Rollout",
      metadata: { name: "demo", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "demo" } },
        template: template("1"),
        strategy: {
          canary: {
            stableService: "demo-stable",
            canaryService: "demo-canary",
            trafficRouting: { gatewayAPI: { httpRoute: "demo" } },
            abortScaleDownDelaySeconds: 0,
            steps: [{ setHeaderRoute: { name: "testers", match: [{ headerName: "x-canary", headerValue: { exact: "yes" } }] } }, { setWeight: 30 }, { pause: {} }],
          },
        },
      },
    } as KubeObject);
    const stableHash = await waitFor("Healthy v1", async () => {
      const s = await rolloutStatus();
      return s.phase === "Healthy" && s.stableRS ? s.stableRS : undefined;
    });
    assert.equal(runner.pods().filter((p) => p.ready && p.podTemplateHash === stableHash).length, 2, "two real v1 processes");

    await kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "demo" }, { spec: { template: template("2") } });
    const canaryHash = await waitFor("paused at 30%", async () => {
      const s = await rolloutStatus();
      return s.phase === "Paused" && s.currentStepIndex === 2 && s.currentPodHash && s.currentPodHash !== stableHash ? s.currentPodHash : undefined;
    });
    await gateway.waitFor(({ route, endpoints: count }) => {
      const refs = (route?.spec.rules?.[0]?.backendRefs ?? []) as { weight?: number }[];
      return refs[1]?.weight === 30 && count("default", "demo-canary") >= 1 && count("default", "demo-stable") === 2;
    }, 10_000);

    const during = await startLoad({ url: `${gateway.url}/`, ratePerSecond: 200, durationMs: 2_000 }).done;
    const byVersion = (hash: string) => during.filter((r) => r.version === hash).length;
    assert.equal(byVersion(stableHash) + byVersion(canaryHash), during.length, "every answer came from v1 or v2");
    const canaryShare = byVersion(canaryHash) / during.length;
    assert.ok(Math.abs(canaryShare - 0.3) < 0.08, `canary served ${(canaryShare * 100).toFixed(1)}%`);
    const canaryErrors = during.filter((r) => r.version === canaryHash && r.status === 500).length;
    assert.ok(canaryErrors > 0 && during.filter((r) => r.version === stableHash && r.status !== 200).length === 0, "errors come from v2 only");

    const testers = await startLoad({ url: `${gateway.url}/`, ratePerSecond: 100, durationMs: 500, headers: { "x-canary": "yes" } }).done;
    assert.ok(testers.every((r) => r.version === canaryHash), "the header route sends testers to the canary only");

    const current = await kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "demo" });
    assert.ok(current);
    await kube.replaceStatus({ ...current, status: { ...(current.status as Record<string, unknown>), abort: true } }, "rollouts");
    await waitFor("Aborted", async () => ((await rolloutStatus()).phase === "Aborted" ? true : undefined));
    await gateway.waitFor(({ route }) => ((route?.spec.rules?.[0]?.backendRefs ?? []) as { weight?: number }[])[1]?.weight === 0, 10_000);
    const afterAbort = await startLoad({ url: `${gateway.url}/`, ratePerSecond: 200, durationMs: 1_000 }).done;
    assert.ok(afterAbort.every((r) => r.version === stableHash && r.status === 200), "only v1 answers after the abort");
    await waitFor("canary pods gone", async () => (runner.pods().some((p) => p.podTemplateHash === canaryHash) ? undefined : true), 10_000);
  });
});
