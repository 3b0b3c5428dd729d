/**
 * Delivery, outside the reconcile: notify() only parses the Rollout's annotation and appends to a bounded
 * in-memory queue, so a slow or dead receiver never holds a reconcile. A small pool of workers reads the
 * receivers (directory.ts) and sends with retries (send.ts). A full queue drops its oldest entry, counted.
 * Logs name the rollout, receiver, event and HTTP status, never a URL, header or token.
 */
import type { Logger } from "pino";
import type { Rollout } from "../../api/rollout.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import type { ControllerMetrics } from "../metrics.ts";
import { ReceiverDirectory } from "./directory.ts";
import type { Notification } from "./events.ts";
import { webhookBody, slackText } from "./payload.ts";
import { readReport } from "./report.ts";
import { ReceiverConfigError, receiverType, resolveReceiver } from "./receivers.ts";
import { DEFAULT_SEND_POLICY, DeliveryError, send, type SendPolicy } from "./send.ts";
import { SUBSCRIBE_ANNOTATION, parseSubscriptions, receiversFor } from "./subscriptions.ts";

export type NotifierOptions = {
  /** get: receivers' ConfigMaps and Secrets; list: a rollout's AnalysisRuns, for the release report. */
  kube: Pick<KubeClient, "get" | "list">;
  log: Logger;
  metrics: ControllerMetrics["notifications"];
  /** Its `sluice-notifications` ConfigMap serves every namespace. */
  controllerNamespace?: string | undefined;
  queueLimit?: number | undefined;
  workers?: number | undefined;
  policy?: Partial<SendPolicy> | undefined;
  cacheTtlMs?: number | undefined;
};

type Job = { notification: Notification; receiver: string };

/** Distinct problems logged once each; bounded so a churning bad value cannot grow it. */
const MAX_REMEMBERED_PROBLEMS = 256;

export class Notifier {
  private readonly queue: Job[] = [];
  private readonly limit: number;
  private readonly workers: number;
  private readonly policy: SendPolicy;
  private readonly directory: ReceiverDirectory;
  private readonly o: NotifierOptions;
  private readonly stopping = new AbortController();
  private readonly active = new Set<Promise<void>>();
  private readonly reported = new Set<string>();
  /** Each completed or aborted notification's report, read once for all its receivers. */
  private readonly reports = new WeakMap<Notification, Promise<Notification>>();

  constructor(options: NotifierOptions) {
    this.o = options;
    this.limit = options.queueLimit ?? 1_000;
    this.workers = options.workers ?? 4;
    this.policy = { ...DEFAULT_SEND_POLICY, ...options.policy };
    this.directory = new ReceiverDirectory(options.kube, options.controllerNamespace, options.cacheTtlMs);
  }

  /** Queue `notifications` for the receivers the Rollout subscribes; returns at once. */
  notify(rollout: Rollout, notifications: readonly Notification[]): void {
    if (notifications.length === 0 || this.stopping.signal.aborted) return;
    const value = rollout.metadata.annotations?.[SUBSCRIBE_ANNOTATION];
    if (value === undefined) return;
    const parsed = parseSubscriptions(value);
    const key = `${rollout.metadata.namespace ?? "default"}/${rollout.metadata.name ?? ""}`;
    if (!parsed.ok) {
      this.reportOnce(`${key} ${value}`, { rollout: key }, parsed.error);
      return;
    }
    for (const notification of notifications) {
      for (const receiver of receiversFor(parsed.subscriptions, notification.event)) {
        if (this.queue.length >= this.limit) {
          this.queue.shift();
          this.o.metrics.dropped.inc();
        }
        this.queue.push({ notification, receiver });
      }
    }
    this.o.metrics.queueDepth.set(this.queue.length);
    this.pump();
  }

  /** Stop: queued notifications are dropped, those in flight are abandoned (a hung receiver must not hold a shutdown). */
  async close(): Promise<void> {
    this.stopping.abort();
    this.queue.length = 0;
    this.o.metrics.queueDepth.set(0);
    await Promise.allSettled([...this.active]);
  }

  private pump(): void {
    while (this.active.size < this.workers && this.queue.length > 0) {
      const worker: Promise<void> = this.work().finally(() => {
        this.active.delete(worker);
        this.pump();
      });
      this.active.add(worker);
    }
  }

  private async work(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      this.o.metrics.queueDepth.set(this.queue.length);
      if (this.stopping.signal.aborted) return;
      await this.deliver(job);
    }
  }

  private async deliver({ notification: n, receiver: name }: Job): Promise<void> {
    const { log, metrics } = this.o;
    const context = { rollout: `${n.rollout.namespace}/${n.rollout.name}`, receiver: name, event: n.event };
    let type: "webhook" | "slack" | "unknown" = "unknown";
    try {
      const { receivers, problems } = await this.directory.lookup(n.rollout.namespace);
      for (const problem of problems) this.reportOnce(problem, {}, problem);
      const source = receivers.get(name);
      if (!source) throw new ReceiverConfigError(`no receiver named ${name} in ConfigMap sluice-notifications of namespace ${n.rollout.namespace}${this.o.controllerNamespace ? ` or ${this.o.controllerNamespace}` : ""}; define it or fix annotation ${SUBSCRIBE_ANNOTATION}`);
      type = receiverType(source.receiver);
      // Secrets are read from the namespace of the ConfigMap that names them.
      const resolved = await resolveReceiver(source.receiver, source.namespace, this.directory.readSecret);
      const full = await this.withReport(n, context);
      const body = resolved.type === "slack" ? { text: slackText(full) } : webhookBody(full);
      const status = await send(resolved, body, this.policy, (error, attempt) => log.debug({ ...context, attempt, status: error.status, reason: error.reason }, "notification attempt failed; retrying"), this.stopping.signal);
      metrics.sent.inc({ receiver_type: type, event: n.event });
      log.debug({ ...context, status }, "notification delivered");
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      const reason = error instanceof DeliveryError ? error.reason : "config";
      metrics.failed.inc({ receiver_type: type, event: n.event, reason });
      // The message is built by this module and names no URL; any other error is reduced to its type.
      const message = error instanceof DeliveryError || error instanceof ReceiverConfigError ? error.message : `cannot read the receiver (${error instanceof Error ? error.name : "error"})`;
      log.warn({ ...context, reason, status: error instanceof DeliveryError ? error.status : undefined, problem: message }, "notification not delivered");
    }
  }

  /**
   * completed and aborted carry the release report. One that cannot be read (the API server refused the list)
   * goes without it, logged: a notification late or lost for want of a report would be worse than one without.
   */
  private withReport(n: Notification, context: Record<string, string>): Promise<Notification> {
    if (!n.reportDue || n.report) return Promise.resolve(n);
    let found = this.reports.get(n);
    if (!found) {
      found = readReport(this.o.kube, n).then(
        (report) => (report ? { ...n, report } : n),
        (error: unknown) => {
          this.o.log.warn({ ...context, problem: error instanceof Error ? error.message : String(error) }, "release report not read; notifying without it");
          return n;
        },
      );
      this.reports.set(n, found);
    }
    return found;
  }

  private reportOnce(key: string, fields: Record<string, string>, message: string): void {
    if (this.reported.has(key)) return;
    if (this.reported.size >= MAX_REMEMBERED_PROBLEMS) this.reported.clear();
    this.reported.add(key);
    this.o.log.warn({ ...fields, problem: message }, "notifications misconfigured");
  }
}
