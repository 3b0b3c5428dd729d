/**
 * Flagger webhooks -> sluice.
 * - Gates (confirm-rollout, confirm-traffic-increase, confirm-promotion) hold the release until an HTTP hook
 *   answers 200; sluice's equivalent is an untimed pause released by `sluice promote`, so gates become pauses
 *   (or, in blue-green, autoPromotionEnabled: false).
 * - Checks become `web` metrics that POST Flagger's payload ({name, namespace, phase, metadata}) to the hook and
 *   judge its status code (`answer: status`), as Flagger does: `rollout` hooks run every interval beside the
 *   metrics (failures count toward the threshold), `pre-rollout` hooks once before any traffic reaches the
 *   canary (an analysis step first; in blue-green, in the pre-promotion analysis), `rollback` hooks every
 *   interval with a 2xx answer failing the analysis (which aborts, as Flagger's rollback does).
 * - Notifications become notification receivers (src/controller/notifications/): `post-rollout` hooks, which
 *   Flagger calls after the release is promoted or rolled back and whose failure it only logs, are subscribed
 *   to `completed` and `aborted`; `event` hooks, called for every Flagger event, to every event.
 */
import { durationToMs } from "../../api/duration.ts";
import { asArray, asRecord, duration, type Json, type Notes } from "./notes.ts";

export type Gates = { beforeStart: boolean; beforeEachIncrease: boolean; beforePromotion: boolean };

export type ReleaseShape = "canary" | "ab-test" | "blue-green";

/**
 * What the hooks became: web metrics `everyInterval` beside the metrics and `beforeTraffic` once first, and
 * notification `receivers` with the events each is subscribed to (undefined = all).
 */
export type HookMetrics = { everyInterval: Json[]; beforeTraffic: Json[]; receivers: { receiver: Json; events: string[] | undefined }[] };

export type WebhookContext = {
  shape: ReleaseShape;
  /** The Rollout's name (the Canary's target), for `sluice promote NAME`. */
  target: string;
  /** The Canary's own name and namespace, which Flagger's payload carries. */
  canaryName: string;
  namespace: string;
  /** analysis.interval and threshold - 1: how often checks run and how many failures they may have. */
  interval: unknown;
  failureLimit: number;
};

/** Notification hooks: the sluice notification events each type is subscribed to (undefined = all). */
const NOTIFY_TYPES: Record<string, string[] | undefined> = { "post-rollout": ["completed", "aborted"], event: undefined };

const GATE_TYPES = ["confirm-rollout", "confirm-traffic-increase", "confirm-promotion"] as const;
const CHECK_TYPES = ["rollout", "pre-rollout", "rollback"] as const;
const TWO_HUNDREDS = "result >= 200 && result < 300";
/** Flagger's webhook timeout when none is given. */
const FLAGGER_DEFAULT_TIMEOUT_SECONDS = 10;

export function translateWebhooks(analysis: Json, context: WebhookContext, notes: Notes): { gates: Gates; hooks: HookMetrics } {
  const { shape, target } = context;
  const gates: Gates = { beforeStart: false, beforeEachIncrease: false, beforePromotion: false };
  const hooks: HookMetrics = { everyInterval: [], beforeTraffic: [], receivers: [] };
  const taken = new Set<string>();
  asArray(analysis.webhooks).forEach((given, i) => {
    const path = `spec.analysis.webhooks[${i}]`;
    const hook = asRecord(given);
    const type = String(hook.type ?? "rollout");
    const approve = `approve with \`sluice promote ${target}\` instead of the hook answering 200`;
    if ((CHECK_TYPES as readonly string[]).includes(type)) {
      const metric = hookMetric(hook, path, type, context, taken, notes);
      if (type === "pre-rollout" && shape !== "blue-green") hooks.beforeTraffic.push(metric);
      else hooks.everyInterval.push(metric);
      notes.info(path, hookNote(type, shape, String(metric.name)));
    } else if (type in NOTIFY_TYPES) {
      const events = NOTIFY_TYPES[type];
      const receiver = { name: uniqueName(`webhook-${String(hook.name ?? type)}`, taken), webhook: { url: String(hook.url ?? "") } };
      hooks.receivers.push({ receiver, events });
      for (const key of Object.keys(hook)) {
        if (!["name", "type", "url", "metadata", "timeout", "muteAlert"].includes(key)) notes.dropped(`${path}.${key}`, "no sluice equivalent");
      }
      notes.info(
        path,
        `becomes notification receiver "${receiver.name}" (ConfigMap sluice-notifications), subscribed to ${events ? events.join(" and ") : "every event"}${type === "post-rollout" ? ", as Flagger calls it after the release is promoted or rolled back" : ""}; it receives sluice's notification JSON (event, rollout, revision, step, weights, message), not Flagger's payload, so its metadata is not sent; a failed delivery is retried and logged, never blocks the rollout`,
      );
    } else if (!(GATE_TYPES as readonly string[]).includes(type)) {
      notes.dropped(path, `webhook type "${type}" has no sluice equivalent`);
    } else if (type === "confirm-promotion") {
      gates.beforePromotion = true;
      notes.info(path, shape === "blue-green" ? `confirm-promotion becomes autoPromotionEnabled: false; ${approve}` : `confirm-promotion becomes a pause before promotion; ${approve}`);
    } else if (type === "confirm-rollout" && shape !== "blue-green") {
      gates.beforeStart = true;
      notes.info(path, `confirm-rollout becomes a pause before the first step (the canary's pods start before it, without traffic); ${approve}`);
    } else if (type === "confirm-traffic-increase" && shape === "canary") {
      gates.beforeEachIncrease = true;
      notes.info(path, `confirm-traffic-increase becomes a pause before every weight increase; ${approve}`);
    } else {
      notes.dropped(path, type === "confirm-rollout" ? "a blue-green rollout has no step before the new version starts; apply the Rollout when you are ready instead" : `a ${shape} release has no weight increases to gate`);
    }
  });
  return { gates, hooks };
}

function hookNote(type: string, shape: ReleaseShape, metric: string): string {
  const where = shape === "blue-green" ? "in the pre-promotion analysis" : type === "pre-rollout" ? "in an analysis step before the first weight" : "in the background analysis";
  if (type === "pre-rollout") return `becomes web metric "${metric}" ${where}, called once: a non-2xx answer fails it and aborts (Flagger retries it each interval up to the threshold)`;
  if (type === "rollback") return `becomes web metric "${metric}" ${where}: a 2xx answer fails the analysis and aborts, as Flagger rolls back; an unreachable hook counts as an error (4 in a row abort)`;
  return `becomes web metric "${metric}" ${where}, called every interval: a non-2xx answer counts as a failed check toward the threshold`;
}

function hookMetric(hook: Json, path: string, type: string, context: WebhookContext, taken: Set<string>, notes: Notes): Json {
  for (const key of Object.keys(hook)) {
    if (key === "retries") notes.dropped(`${path}.retries`, "each interval makes one call; failures count toward the analysis threshold instead of being retried");
    else if (key === "muteAlert") notes.info(`${path}.muteAlert`, "sluice sends no alerts of its own; dropped");
    else if (!["name", "type", "url", "timeout", "metadata"].includes(key)) notes.dropped(`${path}.${key}`, "no sluice equivalent");
  }
  const timeout = typeof hook.timeout === "string" || typeof hook.timeout === "number" ? durationToMs(hook.timeout) : undefined;
  if (hook.timeout !== undefined && timeout === undefined) notes.dropped(`${path}.timeout`, `"${String(hook.timeout)}" is not a duration; ${FLAGGER_DEFAULT_TIMEOUT_SECONDS}s is used`);
  const timeoutMs = timeout ?? FLAGGER_DEFAULT_TIMEOUT_SECONDS * 1000;
  const web: Json = {
    url: String(hook.url ?? ""),
    method: "POST",
    jsonBody: { name: context.canaryName, namespace: context.namespace, phase: "Progressing", metadata: asRecord(hook.metadata) },
    timeoutSeconds: Math.min(600, Math.max(1, Math.ceil(timeoutMs / 1000))),
    answer: "status",
  };
  return {
    name: uniqueName(`webhook-${String(hook.name ?? type)}`, taken),
    ...(type === "pre-rollout" ? { count: 1 } : { interval: duration(context.interval) }),
    failureLimit: type === "rollout" ? context.failureLimit : 0,
    ...(type === "rollback" ? { failureCondition: TWO_HUNDREDS } : { successCondition: TWO_HUNDREDS }),
    provider: { web },
  };
}

function uniqueName(wanted: string, taken: Set<string>): string {
  const base = wanted.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/-+$/, "");
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

/** Canary or A/B steps with the gates as untimed pauses. */
export function gatedSteps(steps: Json[], gates: Gates): Json[] {
  // A new object per pause: one shared object would print as a YAML anchor and aliases.
  const gate = () => ({ pause: {} });
  const out: Json[] = [];
  steps.forEach((step, i) => {
    // One pause at most per place: the start gate and an increase gate on the first step are the same wait.
    if ((i === 0 && gates.beforeStart) || (step.setWeight !== undefined && gates.beforeEachIncrease)) out.push(gate());
    out.push(step);
  });
  if (gates.beforePromotion) out.push(gate());
  return out;
}
