/**
 * The controller's HTTP endpoints: /metrics for Prometheus, /healthz and /readyz for the kubelet. One server
 * when both addresses are the same, two otherwise, none for an empty address.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { Registry } from "prom-client";

export type HealthState = { synced(): boolean };

export type ServerAddresses = { metrics?: string | undefined; health?: string | undefined };

/** "host:port", ":port" (every interface) or "port" (loopback); port 0 picks a free one. */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(":");
  if (colon < 0) return { host: "127.0.0.1", port: Number(addr) };
  return { host: addr.slice(0, colon) || "0.0.0.0", port: Number(addr.slice(colon + 1) || "0") };
}

async function listen(addr: string, handler: RequestListener): Promise<{ server: Server; address: string }> {
  const { host, port } = parseListenAddress(addr);
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const bound = server.address();
  return { server, address: typeof bound === "object" && bound ? `${host}:${bound.port}` : addr };
}

function health(path: string | undefined, state: HealthState): { code: number; body: string } | undefined {
  if (path === "/healthz") return { code: 200, body: "ok\n" };
  // Ready once the caches are synced; standbys are ready too (they only wait for a Lease).
  if (path === "/readyz") return state.synced() ? { code: 200, body: "ok\n" } : { code: 503, body: "caches not synced\n" };
  return undefined;
}

function handler(registry: Registry, state: HealthState, serveMetrics: boolean, serveHealth: boolean): RequestListener {
  return (req, res) => {
    const path = req.url?.split("?")[0];
    const h = serveHealth ? health(path, state) : undefined;
    if (h) {
      res.writeHead(h.code, { "content-type": "text/plain" }).end(h.body);
      return;
    }
    if (serveMetrics && path === "/metrics") {
      void registry.metrics().then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  };
}

export type RunningServers = { addresses: ServerAddresses; close(): Promise<void> };

export async function startServers(options: { metricsAddr?: string | undefined; healthAddr?: string | undefined; registry: Registry; state: HealthState }): Promise<RunningServers> {
  const { metricsAddr, healthAddr, registry, state } = options;
  const servers: Server[] = [];
  const addresses: ServerAddresses = {};
  if (metricsAddr && metricsAddr === healthAddr) {
    const { server, address } = await listen(metricsAddr, handler(registry, state, true, true));
    servers.push(server);
    addresses.metrics = addresses.health = address;
  } else {
    if (metricsAddr) {
      const { server, address } = await listen(metricsAddr, handler(registry, state, true, false));
      servers.push(server);
      addresses.metrics = address;
    }
    if (healthAddr) {
      const { server, address } = await listen(healthAddr, handler(registry, state, false, true));
      servers.push(server);
      addresses.health = address;
    }
  }
  return { addresses, close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined) };
}
