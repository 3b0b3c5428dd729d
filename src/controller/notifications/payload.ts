/** What a receiver is sent: the webhook's JSON body, and Slack's readable text. */
import type { Notification } from "./events.ts";

export type WebhookBody = Notification;

export function webhookBody(n: Notification): WebhookBody {
  return {
    event: n.event,
    rollout: n.rollout,
    revision: n.revision,
    step: n.step,
    weights: n.weights,
    message: n.message,
    ...(n.metrics && n.metrics.length > 0 ? { metrics: n.metrics } : {}),
  };
}

/** One line to read in a channel, then the details, one a line. */
export function slackText(n: Notification): string {
  const lines = [`Rollout ${n.rollout.namespace}/${n.rollout.name}: ${n.event} — ${n.message}`];
  if (n.revision) lines.push(`revision: ${n.revision}`);
  if (n.step !== undefined) lines.push(`step: ${n.step}`);
  if (n.weights) lines.push(`weights: canary ${n.weights.canary}%, stable ${n.weights.stable}%`);
  for (const m of n.metrics ?? []) lines.push(`metric ${m.metric}: ${m.value ?? "?"}${m.condition ? ` (condition: ${m.condition})` : ""}`);
  return lines.join("\n");
}
