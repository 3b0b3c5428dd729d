// An out-of-band control endpoint for tests and the sandbox when the server runs in another
// process (`sluice sandbox api`): fault rules, dropping watches, compacting watch history.
// Lives under /_sandbox/, a path no Kubernetes client uses.
//   GET  /_sandbox/faults              → {"rules":[...],"injected":{...},"openWatches":n}
//   PUT  /_sandbox/faults              ← {"rules":[...]} (replaces the rules; [] clears)
//   POST /_sandbox/drop-watches        ← {"graceful":false}  → {"dropped":n}
//   POST /_sandbox/compact             → {} (later watches from older RVs get 410)
//   GET  /_sandbox/stats               → {"requests":{"list rollouts":n,...},"watchEvents":n,"watchBytes":n,"openWatches":n}
//   PUT  /_sandbox/watch-lag           ← {"resources":["replicasets.apps"],"ms":1500} (late watch events; ms 0 ends it)
//   GET  /_sandbox/access-log[?user=U] → {"resources":[{user,verb,group,resource,namespace,allowed,denied}],"nonResources":[...]}
//   DELETE /_sandbox/access-log        → {} (RBAC mode only: what it authorized and denied, per user)
// The control API itself needs no credentials, in RBAC mode too: it is the sandbox's back door, not Kubernetes.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ApiError, badRequest } from "./errors.ts";
import type { FaultInjector } from "./faults.ts";
import { readBody, sendError, sendJson, sendPlainNotFound } from "./http-util.ts";
import type { JsonObject } from "../../util/json.ts";
import type { AccessLog } from "./auth/access-log.ts";
import type { ServerStats } from "./server-stats.ts";
import type { Store } from "./store.ts";

export const CONTROL_PREFIX = "/_sandbox/";

const verb = z.enum(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]);
const faultRule = z.object({
  fault: z.enum(["error500", "throttle429", "conflict409", "timeout", "delay"]),
  fraction: z.number().min(0).max(1),
  verbs: z.array(verb).optional(),
  resources: z.array(z.string()).optional(),
  timeoutMs: z.number().int().positive().optional(),
  delayMs: z.number().int().positive().optional(),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
});
const faultRules = z.object({ rules: z.array(faultRule) });
const dropOptions = z.object({ graceful: z.boolean().optional() });
const watchLag = z.object({ resources: z.array(z.string()), ms: z.number().int().nonnegative() });

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest("request body is not JSON");
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return result.data;
}

function rulesAsJson(faults: FaultInjector): JsonObject[] {
  return faults.currentRules().map((rule) => {
    const out: JsonObject = { fault: rule.fault, fraction: rule.fraction };
    if (rule.verbs) out["verbs"] = [...rule.verbs];
    if (rule.resources) out["resources"] = [...rule.resources];
    if (rule.timeoutMs !== undefined) out["timeoutMs"] = rule.timeoutMs;
    if (rule.delayMs !== undefined) out["delayMs"] = rule.delayMs;
    if (rule.retryAfterSeconds !== undefined) out["retryAfterSeconds"] = rule.retryAfterSeconds;
    return out;
  });
}

export interface ControlTargets {
  faults: FaultInjector;
  store: Store;
  stats: ServerStats;
  /** Present in RBAC mode. */
  accessLog: AccessLog | undefined;
}

export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, targets: ControlTargets): Promise<void> {
  const { faults, store, stats, accessLog } = targets;
  try {
    const action = url.pathname.slice(CONTROL_PREFIX.length);
    if (action === "access-log") {
      if (!accessLog) throw badRequest("the access log is kept in RBAC mode only: start the server with --rbac (startApiServer({ rbac: true }))");
      if (req.method === "GET") return sendJson(res, 200, { ...accessLog.snapshot(url.searchParams.get("user") ?? undefined) });
      if (req.method === "DELETE") {
        accessLog.clear();
        return sendJson(res, 200, {});
      }
    }
    if (action === "faults" && req.method === "GET") {
      return sendJson(res, 200, { rules: rulesAsJson(faults), injected: { ...faults.injected }, openWatches: faults.openWatchCount() });
    }
    if (action === "faults" && req.method === "PUT") {
      const { rules } = parse(faultRules, await jsonBody(req));
      faults.setRules(rules.map((r) => ({ ...r })));
      return sendJson(res, 200, { rules: rulesAsJson(faults) });
    }
    if (action === "drop-watches" && req.method === "POST") {
      const { graceful } = parse(dropOptions, await jsonBody(req));
      return sendJson(res, 200, { dropped: faults.dropWatches({ graceful: graceful ?? false }) });
    }
    if (action === "watch-lag" && req.method === "PUT") {
      const { resources, ms } = parse(watchLag, await jsonBody(req));
      faults.setWatchLag(resources, ms);
      return sendJson(res, 200, { resources, ms });
    }
    if (action === "stats" && req.method === "GET") return sendJson(res, 200, stats.toJson(faults.openWatchCount()));
    if (action === "compact" && req.method === "POST") {
      store.compactHistory();
      return sendJson(res, 200, {});
    }
    return sendPlainNotFound(res);
  } catch (error) {
    if (error instanceof ApiError) return sendError(res, error);
    throw error;
  }
}
