/** A real readiness probe: GET /healthz over HTTP until it answers 200, within a bounded time. */
import { request } from "node:http";

function probeOnce(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

export interface HealthCheckOptions {
  readonly path?: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Give up early (the pod is being stopped). */
  readonly cancelled?: () => boolean;
}

/** True once a probe passes; false when `timeoutMs` passes first or the check is cancelled. */
export async function waitHealthy(port: number, options: HealthCheckOptions = {}): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 50;
  while (Date.now() < deadline && !options.cancelled?.()) {
    if (await probeOnce(port, options.path ?? "/healthz", 1_000)) return true;
    await new Promise((r) => setTimeout(r, interval));
  }
  return false;
}
