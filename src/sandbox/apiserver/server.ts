// startApiServer: wires store, registry, REST service, controllers (GC, namespaces, CRDs),
// workload simulation and fault injection behind an HTTP or HTTPS listener on 127.0.0.1,
// and writes a kubeconfig for it.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { parseAllDocuments } from "yaml";
import type { AccessLog } from "./auth/access-log.ts";
import { bootstrapPolicy } from "./auth/bootstrap-policy.ts";
import { RbacMode } from "./auth/rbac-mode.ts";
import { CrdController } from "./crd-controller.ts";
import type { ServerVersion } from "./discovery.ts";
import { FaultInjector } from "./faults.ts";
import { ServerStats } from "./server-stats.ts";
import { DeploymentController } from "./deployment-controller.ts";
import { JobController } from "./job-controller.ts";
import { GarbageCollector } from "./gc.ts";
import { HttpApi } from "./http-api.ts";
import { isObject, type JsonObject } from "../../util/json.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { NamespaceController } from "./namespace-controller.ts";
import { Registry } from "./registry.ts";
import type { ResourceType } from "./resource-type.ts";
import { ResourceService } from "./resources.ts";
import { DelayedReadySimulator, type WorkloadSimulator } from "./simulation.ts";
import { runSimulation } from "./simulation-wiring.ts";
import { Store } from "./store.ts";
import { generateTlsMaterial } from "./tls.ts";

export interface ApiServerOptions {
  /** Port on 127.0.0.1; 0 or absent = random free port. */
  port?: number;
  /** Serve HTTPS with a freshly generated self-signed CA (written into the kubeconfig). */
  tls?: boolean;
  /** Where to write the kubeconfig (default: a new temp dir). */
  kubeconfigPath?: string;
  /** Workload simulator; default marks ReplicaSet pods ready after `readyDelayMs`. `false` = none. */
  simulation?: WorkloadSimulator | false;
  /** Delay used by the default simulator (ms, default 200). */
  readyDelayMs?: number;
  /** First retry delay of a failed Job's pod (default 10 s, as kube-controller-manager). */
  jobBackoffBaseMs?: number;
  /** Default simulator also creates Pod objects for ReplicaSets (default false). */
  simulatePods?: boolean;
  /** Events retained per resource for watch resumption (default 10,000). */
  watchHistorySize?: number;
  /** BOOKMARK interval for watches that allow them (default 5 s). */
  bookmarkIntervalMs?: number;
  /** Version reported by /version; `minor` steers the gcloud kubectl dispatcher (default 1.32). */
  version?: { major: string; minor: string; gitVersion?: string };
  /** YAML files (CRDs or any objects) to create at start-up, in order. */
  preload?: readonly string[];
  /** pino logger; default is silent. */
  logger?: Logger;
  /** Clock for timestamps and ages (tests). */
  now?: () => number;
  /**
   * RBAC mode: requests are authenticated (the kubeconfig's token is a system:masters superuser, TokenRequest
   * issues ServiceAccount tokens, no token = system:anonymous) and authorized by the stored Roles, ClusterRoles
   * and bindings as kube-apiserver's RBAC authorizer does; every decision is recorded (`accessLog`).
   */
  rbac?: boolean;
}

export interface ApiServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  /** PEM of the CA when serving TLS. */
  caCertPem: string | undefined;
  store: Store;
  registry: Registry;
  service: ResourceService;
  faults: FaultInjector;
  /** RBAC mode: what was authorized and denied, per user (undefined without RBAC mode). */
  accessLog: AccessLog | undefined;
  /** Create the objects in YAML text (multi-document); used for CRD fixtures and seed data. */
  applyYaml(text: string): JsonObject[];
  /** Create one object; throws ApiError like the HTTP API would answer. */
  create(obj: JsonObject): JsonObject;
  /** Forget watch history: watches from any earlier resourceVersion get 410 Expired. */
  compactHistory(): void;
  stop(): Promise<void>;
}

const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function typeForObject(registry: Registry, obj: JsonObject): ResourceType | undefined {
  const apiVersion = typeof obj["apiVersion"] === "string" ? obj["apiVersion"] : "";
  const kind = typeof obj["kind"] === "string" ? obj["kind"] : "";
  const slash = apiVersion.indexOf("/");
  const group = slash >= 0 ? apiVersion.slice(0, slash) : "";
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  return registry.findByKind(group, version, kind);
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const logger = options.logger ?? pino({ level: "silent" });
  const now = options.now ?? Date.now;
  const store = new Store({ historySize: options.watchHistorySize ?? 10_000 });
  const registry = new Registry();
  const service = new ResourceService(store, registry, now);
  const faults = new FaultInjector();
  const stats = new ServerStats();
  const onControllerError = (key: string, error: unknown): void => logger.warn({ key, err: error }, "controller error");
  const crds = new CrdController(service, onControllerError);
  const gc = new GarbageCollector(service, onControllerError);
  const namespaces = new NamespaceController(service, onControllerError);
  const deployments = new DeploymentController(service, onControllerError);
  const jobs = new JobController(service, { onError: onControllerError, now, ...(options.jobBackoffBaseMs !== undefined ? { backoffBaseMs: options.jobBackoffBaseMs } : {}) });
  crds.start();
  gc.start();
  namespaces.start();
  deployments.start();
  jobs.start();

  const internal = { fieldValidation: "Ignore" as const, dryRun: false, warnings: [] as string[] };
  const nsType = registry.find("", "v1", "namespaces");
  if (nsType) for (const name of DEFAULT_NAMESPACES) service.create(nsType, "", { metadata: { name } }, internal);

  const simulator =
    options.simulation === false ? undefined : (options.simulation ?? new DelayedReadySimulator({ readyDelayMs: options.readyDelayMs ?? 200, pods: options.simulatePods ?? false }));
  const stopSimulation = simulator ? runSimulation(service, simulator, logger) : undefined;

  const create = (obj: JsonObject): JsonObject => {
    const t = typeForObject(registry, obj);
    if (!t) throw new Error(`no resource type for ${String(obj["apiVersion"])}/${String(obj["kind"])}`);
    const meta = isObject(obj["metadata"]) ? obj["metadata"] : {};
    const ns = t.namespaced ? (typeof meta["namespace"] === "string" ? meta["namespace"] : "default") : "";
    return service.create(t, ns, obj, { ...internal, warnings: [] }).object;
  };
  const applyYaml = (text: string): JsonObject[] => {
    const out: JsonObject[] = [];
    // merge: true — YAML merge keys (<<) are common in CRDs and kubectl accepts them.
    for (const doc of parseAllDocuments(text, { merge: true })) {
      const value: unknown = doc.toJSON();
      if (isObject(value)) out.push(create(value));
    }
    return out;
  };
  const superuserToken = options.rbac ? randomBytes(24).toString("base64url") : undefined;
  const rbac = superuserToken !== undefined ? new RbacMode({ store, registry, superuserToken, now }) : undefined;
  if (rbac) for (const obj of bootstrapPolicy()) create(obj);
  for (const file of options.preload ?? []) applyYaml(readFileSync(file, "utf8"));

  const version: ServerVersion = {
    major: options.version?.major ?? "1",
    minor: options.version?.minor ?? "32",
    gitVersion: options.version?.gitVersion ?? `v${options.version?.major ?? "1"}.${options.version?.minor ?? "32"}.4`,
  };
  let address = "127.0.0.1:0";
  const api = new HttpApi({
    service,
    registry,
    faults,
    stats,
    version,
    logger,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5_000,
    now,
    serverAddress: () => address,
    rbac,
  });
  const handler = (req: IncomingMessage, res: ServerResponse): void => api.handle(req, res);
  const tlsMaterial = options.tls ? generateTlsMaterial() : undefined;
  const server: Server = tlsMaterial ? createHttpsServer({ key: tlsMaterial.keyPem, cert: tlsMaterial.certPem }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `${tlsMaterial ? "https" : "http"}://127.0.0.1:${port}`;
  const kubeconfigPath = options.kubeconfigPath ?? join(mkdtempSync(join(tmpdir(), "sluice-apiserver-")), "kubeconfig");
  writeKubeconfig(kubeconfigPath, { server: url, ...(tlsMaterial ? { caCertPem: tlsMaterial.caCertPem } : {}), ...(superuserToken ? { token: superuserToken } : {}) });

  let stopped = false;
  return {
    url,
    port,
    kubeconfigPath,
    caCertPem: tlsMaterial?.caCertPem,
    store,
    registry,
    service,
    faults,
    accessLog: rbac?.accessLog,
    applyYaml,
    create,
    compactHistory: () => store.compactHistory(),
    async stop() {
      if (stopped) return;
      stopped = true;
      stopSimulation?.();
      simulator?.stop();
      crds.stop();
      gc.stop();
      namespaces.stop();
      deployments.stop();
      jobs.stop();
      faults.dropWatches();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
