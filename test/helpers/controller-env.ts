/**
 * An integration environment: the sandbox API server with sluice's CRDs, a real controller talking to it
 * through @kubernetes/client-node, and helpers to apply, patch and wait as a user would.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startController, type ControllerOptions, type RunningController } from "../../src/controller/controller.ts";
import { promote as cliPromote } from "../../src/cli/actions/promote.ts";
import { typedRollout } from "../../src/cli/rollout-access.ts";
import { ClientNodeKube, type KubeObject } from "../../src/kube/kube-client.ts";
import { startApiServer, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { REPO_ROOT } from "./run-cli.ts";
import { waitFor } from "./wait-for.ts";

export const CRD_FILES = readdirSync(join(REPO_ROOT, "crds")).map((f) => join(REPO_ROOT, "crds", f));

export type Env = {
  server: ApiServer;
  kc: KubeConfig;
  kube: ClientNodeKube;
  startController(extra?: Partial<ControllerOptions>): Promise<RunningController>;
  rollout(name: string, namespace?: string): Promise<KubeObject>;
  /** GET + PUT /status with `change` applied: what `sluice promote/abort/retry` will send. */
  patchRolloutStatus(name: string, change: (status: Record<string, unknown>) => Record<string, unknown>): Promise<void>;
  /** What `sluice promote NAME` writes (its own pure function): the gate that holds the rollout released. */
  promote(name: string): Promise<void>;
  /** A new revision: container "app" of the Rollout's template gets `image`. */
  setImage(name: string, image: string): Promise<void>;
  /** The Rollout's status once it is in `phase` (and `also` holds), as the controller wrote it. */
  waitForPhase(name: string, phase: string, timeoutMs?: number, also?: (status: ReturnType<typeof statusOf>) => boolean): Promise<ReturnType<typeof statusOf>>;
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
};

/** `port` and `kubeconfigPath` pin the server where a controller already looks for it (start-up tests). */
/** `simulatePods`: the sandbox also writes the ReplicaSets' Pod objects (for tests that read or relabel pods). */
export async function startEnv(options: { readyDelayMs?: number; preload?: string[]; port?: number; kubeconfigPath?: string; simulatePods?: boolean } = {}): Promise<Env> {
  const server = await startApiServer({
    preload: [...CRD_FILES, ...(options.preload ?? [])],
    readyDelayMs: options.readyDelayMs ?? 30,
    ...(options.simulatePods ? { simulatePods: true } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.kubeconfigPath !== undefined ? { kubeconfigPath: options.kubeconfigPath } : {}),
  });
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  const kube = new ClientNodeKube(kc);
  const controllers: RunningController[] = [];
  const env: Env = {
    server,
    kc,
    kube,
    async startController(extra = {}) {
      // AnalysisRuns are played by the tests unless they ask for the real executor.
      const c = await startController({ kc, namespace: "default", workers: 2, analysis: false, log: pino({ level: process.env.SLUICE_TEST_LOG ?? "silent" }), ...extra });
      controllers.push(c);
      await c.synced;
      return c;
    },
    async rollout(name, namespace = "default") {
      const r = await kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace, name });
      if (!r) throw new Error(`Rollout ${name} not found`);
      return r;
    },
    async patchRolloutStatus(name, change) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const r = await env.rollout(name);
        try {
          await kube.replaceStatus({ ...r, status: change({ ...((r.status as Record<string, unknown>) ?? {}) }) }, "rollouts");
          return;
        } catch (error) {
          if (!(error instanceof Error) || error.name !== "ConflictError") throw error;
        }
      }
      throw new Error("status patch kept conflicting");
    },
    async promote(name) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const r = await env.rollout(name);
        try {
          await kube.replaceStatus({ ...r, status: cliPromote(typedRollout(r), { full: false }).status }, "rollouts");
          return;
        } catch (error) {
          if (!(error instanceof Error) || error.name !== "ConflictError") throw error;
        }
      }
      throw new Error("promote kept conflicting");
    },
    async setImage(name, image) {
      await kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name }, { spec: { template: { spec: { containers: [{ name: "app", image }] } } } });
    },
    async waitForPhase(name, phase, timeoutMs = 15_000, also = () => true) {
      return env.waitFor(`${name} ${phase}`, async () => {
        const s = statusOf(await env.rollout(name));
        return s.phase === phase && also(s) ? s : undefined;
      }, timeoutMs);
    },
    waitFor: (what, check, timeoutMs = 15_000) => waitFor(what, check, timeoutMs),
    async stop() {
      for (const c of controllers) await c.stop();
      await server.stop();
    },
  };
  return env;
}

export const statusOf = (r: KubeObject) => (r.status ?? {}) as {
  phase?: string;
  message?: string;
  currentStepIndex?: number;
  stableRS?: string;
  currentPodHash?: string;
  abort?: boolean;
  pauseConditions?: { reason: string }[];
  canary?: { weights?: { canary: number; stable: number }; currentStepAnalysisRun?: string; currentBackgroundAnalysisRun?: string };
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  blueGreen?: { activeSelector?: string; previewSelector?: string };
};

/** A Rollout in namespace default: `replicas` pods labelled app=NAME running `image`, with the given strategy. */
export function rolloutManifest(name: string, strategy: Record<string, unknown>, image = `acme/${name}:1`, replicas = 2): KubeObject {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
      strategy,
    },
  };
}

/** A canary Rollout with the given steps (image acme/NAME:1). */
export const canaryRollout = (name: string, steps: unknown[], replicas = 2): KubeObject => rolloutManifest(name, { canary: { steps } }, `acme/${name}:1`, replicas);
