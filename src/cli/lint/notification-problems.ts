/**
 * Lint for notifications: a Rollout's subscribe annotation that the controller would refuse, and a
 * sluice-notifications ConfigMap whose `receivers` would not parse. Both are only logged by the controller
 * (a notification must never fail a rollout), so lint is where they are caught before they are applied.
 */
import { NOTIFICATIONS_CONFIGMAP, RECEIVERS_KEY, parseReceivers } from "../../controller/notifications/receivers.ts";
import { SUBSCRIBE_ANNOTATION, parseSubscriptions } from "../../controller/notifications/subscriptions.ts";

export type NotificationProblem = { path: string; message: string };

type Raw = { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; annotations?: Record<string, unknown> }; data?: Record<string, unknown> };

export function notificationProblems(content: unknown): NotificationProblem[] {
  if (typeof content !== "object" || content === null) return [];
  const o = content as Raw;
  if (o.kind === "Rollout") {
    const value = o.metadata?.annotations?.[SUBSCRIBE_ANNOTATION];
    if (value === undefined) return [];
    const parsed = typeof value === "string" ? parseSubscriptions(value) : { ok: false as const, error: `annotation ${SUBSCRIBE_ANNOTATION}: must be a string` };
    return parsed.ok ? [] : [{ path: `metadata.annotations["${SUBSCRIBE_ANNOTATION}"]`, message: parsed.error }];
  }
  if (o.kind === "ConfigMap" && o.apiVersion === "v1" && o.metadata?.name === NOTIFICATIONS_CONFIGMAP) {
    const text = o.data?.[RECEIVERS_KEY];
    const parsed = parseReceivers(typeof text === "string" ? text : undefined, `${typeof o.metadata.namespace === "string" ? o.metadata.namespace : "(namespace)"}/${NOTIFICATIONS_CONFIGMAP}`);
    return parsed.ok ? [] : [{ path: `data.${RECEIVERS_KEY}`, message: parsed.error }];
  }
  return [];
}
