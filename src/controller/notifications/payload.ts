/** What a receiver is sent: the webhook's JSON body, and Slack's readable text. */
import type { ReleaseReport } from "../../analysis/release-report.ts";
import { reportSummary, reportText } from "../../analysis/release-report-text.ts";
import type { Notification } from "./events.ts";
import { describeVersion } from "./version.ts";

/** The report as data, with its one-line summary for receivers that show only text. */
export type WebhookReport = ReleaseReport & { summary: string };

export type WebhookBody = Omit<Notification, "report" | "reportDue" | "retryCount"> & { report?: WebhookReport };

export function webhookBody(n: Notification): WebhookBody {
  return {
    event: n.event,
    rollout: n.rollout,
    revision: n.revision,
    step: n.step,
    weights: n.weights,
    message: n.message,
    ...(n.image !== undefined ? { image: n.image } : {}),
    ...(n.commit !== undefined ? { commit: n.commit } : {}),
    ...(n.author !== undefined ? { author: n.author } : {}),
    ...(n.metrics && n.metrics.length > 0 ? { metrics: n.metrics } : {}),
    ...(n.report ? { report: { ...n.report, summary: reportSummary(n.report) } } : {}),
  };
}

/** One line to read in a channel, then the details, one a line, then the release report. */
export function slackText(n: Notification): string {
  const lines = [`Rollout ${n.rollout.namespace}/${n.rollout.name}: ${n.event} — ${n.message}`];
  if (n.revision) lines.push(`revision: ${n.revision}`);
  // rollout-started names the version in its message already.
  if (n.image !== undefined && n.event !== "rollout-started") lines.push(`version: ${describeVersion(n, n.revision)}`);
  if (n.step !== undefined) lines.push(`step: ${n.step}`);
  if (n.weights) lines.push(`weights: canary ${n.weights.canary}%, stable ${n.weights.stable}%`);
  for (const m of n.metrics ?? []) lines.push(`metric ${m.metric}: ${m.value ?? "?"}${m.condition ? ` (condition: ${m.condition})` : ""}`);
  if (n.report) lines.push(...reportText(n.report));
  return lines.join("\n");
}
