/**
 * A constant-rate, open-loop load generator (wrk2's method). Request i is due at start + i/rate whatever
 * happened to earlier ones; its latency runs from that INTENDED time, not from when it actually left. So a
 * stall — of the server, of a connection pool, or of this process's own event loop — shows up in every
 * request that should have been sent during it, instead of in the one request that was waiting (the
 * "coordinated omission" a closed-loop client commits). Bounded by time and by count; 127.0.0.1 only.
 */
import { Agent, request } from "node:http";
import { preciseNow, type LoadRecord } from "./record.ts";
import { windowStats, type LoadStats, type TimeWindow } from "./stats.ts";
import { loadTarget, LoadTargetError } from "./target.ts";

export const DEFAULT_VERSION_HEADER = "x-sluice-pod-hash";
/** Longest sleep of the scheduler; requests that fell due meanwhile leave together, each with its own intended time. */
const MAX_SLEEP_MS = 50;

export interface LoadOptions {
  /** http://127.0.0.1:PORT/path */
  readonly url: string;
  /** Requests per second (> 0). */
  readonly ratePerSecond: number;
  /** Stop scheduling after this long. */
  readonly durationMs: number;
  /** Stop scheduling after this many requests (default: rate × duration). */
  readonly maxRequests?: number;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Response header naming the version that served (default x-sluice-pod-hash). */
  readonly versionHeader?: string;
  /** Per request, from its intended time (default 10 s); a timeout is recorded as status 0. */
  readonly timeoutMs?: number;
  /** Connections to the target; requests beyond wait for one, and that wait counts (default 256). */
  readonly maxConnections?: number;
  /** Called with every finished request (e.g. for a live view). */
  readonly onRecord?: (record: LoadRecord) => void;
}

export interface RunningLoad {
  /** Epoch ms of request 0's intended time. */
  readonly startedAt: number;
  /** Requests sent so far. */
  sent(): number;
  /** Finished requests so far, in completion order. */
  records(): readonly LoadRecord[];
  /** Client-side numbers for requests intended within the window (default: all so far). */
  stats(window?: TimeWindow): LoadStats;
  /** Resolves with every record once the schedule is over and every request has finished. */
  readonly done: Promise<readonly LoadRecord[]>;
  /** Stops scheduling now; resolves like `done`. */
  stop(): Promise<readonly LoadRecord[]>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const target = loadTarget(options.url);
  if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) throw new LoadTargetError(`ratePerSecond must be a positive number (got ${options.ratePerSecond})`);
  const intervalMs = 1000 / options.ratePerSecond;
  const limit = Math.min(options.maxRequests ?? Infinity, Math.ceil(options.durationMs / intervalMs));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const versionHeader = (options.versionHeader ?? DEFAULT_VERSION_HEADER).toLowerCase();
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxConnections ?? 256 });
  const records: LoadRecord[] = [];
  const inflight = new Set<Promise<void>>();
  const startedAt = preciseNow();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  let finishSchedule: () => void = () => undefined;
  const scheduleOver = new Promise<void>((resolve) => (finishSchedule = resolve));

  const finish = (record: LoadRecord): void => {
    records.push(record);
    options.onRecord?.(record);
  };

  const send = (intendedAt: number): Promise<void> =>
    new Promise<void>((resolve) => {
      let settled = false;
      const settle = (status: number, version: string | undefined, error?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        finish({ intendedAt, latencyMs: preciseNow() - intendedAt, status, version, ...(error ? { error } : {}) });
        resolve();
      };
      const req = request({ host: target.host, port: target.port, path: target.path, method: options.method ?? "GET", headers: { ...options.headers }, agent }, (res) => {
        const header = res.headers[versionHeader];
        const version = Array.isArray(header) ? header[0] : header;
        res.on("data", () => undefined);
        res.on("end", () => settle(res.statusCode ?? 0, version));
        res.on("error", (e) => settle(0, version, e.message));
      });
      // The timeout also runs from the intended time: a request stuck behind a stall is not given longer.
      const deadline = setTimeout(() => {
        settle(0, undefined, "timeout");
        req.destroy();
      }, Math.max(0, intendedAt + timeoutMs - preciseNow()));
      req.on("error", (e) => settle(0, undefined, e.message));
      req.end();
    });

  const tick = (): void => {
    const due = Math.min(limit, Math.floor((preciseNow() - startedAt) / intervalMs) + 1);
    while (sent < due) {
      const work = send(startedAt + sent * intervalMs);
      sent++;
      inflight.add(work);
      void work.then(() => inflight.delete(work));
    }
    if (sent >= limit) {
      timer = undefined;
      finishSchedule();
      return;
    }
    // Wake for the next due request, not on a fixed beat, so requests leave as close to on time as timers allow.
    const nextDue = startedAt + sent * intervalMs;
    timer = setTimeout(tick, Math.max(0, Math.min(MAX_SLEEP_MS, nextDue - preciseNow())));
  };
  tick();

  const done = (async () => {
    await scheduleOver;
    while (inflight.size > 0) await Promise.all([...inflight]);
    agent.destroy();
    return records;
  })();

  return {
    startedAt,
    sent: () => sent,
    records: () => records,
    stats: (window) => windowStats(records, window),
    done,
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      finishSchedule();
      return done;
    },
  };
}
