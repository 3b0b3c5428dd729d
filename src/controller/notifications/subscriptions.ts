/**
 * The annotation a Rollout subscribes with: `notifications.sluice.dev/subscribe: "team-webhook,ops-slack:aborted|analysis-failed"`.
 * Each entry is a receiver name, optionally narrowed with `:` to some events joined by `|`; no narrowing means
 * every event. One annotation, one syntax: lint and the controller both read it here.
 */
import { NOTIFICATION_EVENTS, type NotificationEvent } from "./events.ts";

export const SUBSCRIBE_ANNOTATION = "notifications.sluice.dev/subscribe";

export type Subscription = { receiver: string; events: readonly NotificationEvent[] | "all" };

export type SubscriptionsResult = { ok: true; subscriptions: Subscription[] } | { ok: false; error: string };

const NAME = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i;

function isEvent(value: string): value is NotificationEvent {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(value);
}

export function parseSubscriptions(value: string): SubscriptionsResult {
  const bad = (why: string): SubscriptionsResult => ({
    ok: false,
    error: `annotation ${SUBSCRIBE_ANNOTATION}: ${why}; write NAME[,NAME...], each optionally NAME:event|event (events: ${NOTIFICATION_EVENTS.join(", ")})`,
  });
  const subscriptions: Subscription[] = [];
  for (const entry of value.split(",").map((e) => e.trim())) {
    if (entry === "") return bad("empty receiver name");
    const [receiver = "", narrowing, ...rest] = entry.split(":").map((p) => p.trim());
    if (rest.length > 0) return bad(`"${entry}" has more than one ":"`);
    if (!NAME.test(receiver)) return bad(`"${receiver}" is not a receiver name`);
    if (narrowing === undefined) {
      subscriptions.push({ receiver, events: "all" });
      continue;
    }
    const events = narrowing.split("|").map((e) => e.trim());
    const unknown = events.filter((e) => !isEvent(e));
    if (unknown.length > 0 || events.length === 0) return bad(`unknown event "${unknown[0] ?? ""}" for receiver ${receiver}`);
    subscriptions.push({ receiver, events: events.filter(isEvent) });
  }
  return { ok: true, subscriptions };
}

/** The receivers that want `event`, each once. */
export function receiversFor(subscriptions: readonly Subscription[], event: NotificationEvent): string[] {
  const names = subscriptions.filter((s) => s.events === "all" || s.events.includes(event)).map((s) => s.receiver);
  return [...new Set(names)];
}
