/**
 * The sandbox gateway: an HTTP reverse proxy on 127.0.0.1 that routes every request by one HTTPRoute, as
 * a Gateway API implementation would for what sluice writes (see choose-backend.ts), round-robin over the
 * chosen Service's ready endpoints. Answers: 404 no rule matches, 500 the rule has no usable backend,
 * 503 no HTTPRoute yet or the Service has no ready endpoint, 502/504 the endpoint failed or timed out.
 * Every proxied answer carries `x-sluice-backend: <Service name>`.
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import { pino, type Logger } from "pino";
import type { HTTPRoute } from "../../routers/gateway-api/schema.ts";
import { chooseBackend, seededRandom, type Random } from "./choose-backend.ts";
import { watchCluster, type ClusterWatch } from "./cluster-watch.ts";
import { forward, mirror } from "./forward.ts";

export const BACKEND_HEADER = "x-sluice-backend";
/** Largest request body copied to mirrors; bigger bodies are forwarded but not mirrored. */
const MIRROR_BODY_LIMIT = 1 << 20;

export interface GatewayOptions {
  /** Where the API server is (e.g. `KubeConfig.loadFromFile(server.kubeconfigPath)`). */
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The HTTPRoute to serve. */
  readonly httpRoute: string;
  /** Port on 127.0.0.1 (0 or absent = a free one). */
  readonly port?: number;
  /** Random source for weights and mirror shares (default: seeded from crypto). */
  readonly random?: Random;
  /** Per-request upstream timeout (default 30 s). */
  readonly upstreamTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  /** The HTTPRoute the gateway routes by now. */
  route(): HTTPRoute | undefined;
  /** Resolves once `check` holds for the gateway's view (route and endpoints), polling its changes; bounded. */
  waitFor(check: (view: { route: HTTPRoute | undefined; endpoints: (namespace: string, service: string) => number }) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export class GatewayTimeoutError extends Error {
  constructor(what: string) {
    super(what);
    this.name = "GatewayTimeoutError";
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(`${text}\n`);
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.logger ?? pino({ level: "silent" });
  const random = options.random ?? seededRandom(randomInt(2 ** 31));
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const cluster: ClusterWatch = await watchCluster(options.kubeConfig, { namespace: options.namespace, name: options.httpRoute }, log);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const route = cluster.route();
    if (!route) return plain(res, 503, `no HTTPRoute ${options.namespace}/${options.httpRoute}`);
    const decision = chooseBackend(route, { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }, random);
    if (decision.kind === "no-match") return plain(res, 404, "no rule matches");
    if (decision.kind === "no-backend") return plain(res, 500, `rule ${decision.rule}: ${decision.reason}`);
    const { backend } = decision;
    const endpoint = cluster.endpoints.next(backend.namespace, backend.name, backend.port);
    if (!endpoint) return plain(res, 503, `no ready endpoints for Service ${backend.namespace}/${backend.name}`);
    if (decision.mirrors.length > 0) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MIRROR_BODY_LIMIT) chunks.push(chunk);
      });
      req.on("end", () => {
        if (size > MIRROR_BODY_LIMIT) return;
        for (const target of decision.mirrors) {
          const copyTo = cluster.endpoints.next(target.namespace, target.name, target.port);
          if (copyTo) mirror(req, Buffer.concat(chunks), copyTo, agent, timeoutMs);
        }
      });
    }
    forward(req, res, endpoint, { agent, timeoutMs, responseHeaders: { [BACKEND_HEADER]: backend.name } });
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const view = () => ({ route: cluster.route(), endpoints: (namespace: string, service: string) => cluster.endpoints.endpoints(namespace, service, undefined).length });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    route: () => cluster.route(),
    async waitFor(check, waitMs = 10_000) {
      const deadline = Date.now() + waitMs;
      while (!check(view())) {
        if (Date.now() > deadline) throw new GatewayTimeoutError(`gateway view did not reach the expected state within ${waitMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await cluster.stop();
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
