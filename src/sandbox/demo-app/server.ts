/**
 * The demo HTTP app: answers `/` after LATENCY_MS (plus TAIL_LATENCY_MS for TAIL_FRACTION of requests), with a
 * 500 for ERROR_RATE of them; `/metrics` for Prometheus, `/healthz` for probes. The stable and canary pods of
 * the tests and the sandbox are two of these with different settings.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DemoAppConfig } from "./config.ts";
import { createDemoMetrics } from "./metrics.ts";
import { EvenSpread } from "./spread.ts";

/** Response header naming the pod-template hash of the version that served the request. */
export const POD_HASH_HEADER = "x-sluice-pod-hash";

export interface DemoApp {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startDemoApp(config: DemoAppConfig): Promise<DemoApp> {
  const metrics = createDemoMetrics(config.podTemplateHash);
  const errors = new EvenSpread(config.errorRate);
  const tail = new EvenSpread(config.tailFraction);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { "Content-Type": metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok\n");
      return;
    }
    const started = process.hrtime.bigint();
    const delay = config.latencyMs + (tail.next() ? config.tailLatencyMs : 0);
    const code = errors.next() ? 500 : 200;
    setTimeout(() => {
      // Which version answered, so clients (the sandbox's load generator) can count canary and stable apart.
      if (config.podTemplateHash) res.setHeader(POD_HASH_HEADER, config.podTemplateHash);
      res.writeHead(code, { "Content-Type": "text/plain" });
      res.end(code === 200 ? "ok\n" : "injected error\n");
      metrics.observe(code, Number(process.hrtime.bigint() - started) / 1e9);
    }, delay);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
