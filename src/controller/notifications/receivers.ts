/**
 * The `receivers` key of a `sluice-notifications` ConfigMap: YAML, a list of webhook and Slack receivers whose
 * URL and header values are literal or come from a Secret (`valueFrom.secretKeyRef`), so tokens stay in Secrets.
 * Parsing never throws: a bad ConfigMap is reported (naming the ConfigMap, the key and the fix) and skipped.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export const NOTIFICATIONS_CONFIGMAP = "sluice-notifications";
export const RECEIVERS_KEY = "receivers";

const secretKeyRefSchema = z.strictObject({ name: z.string().min(1), key: z.string().min(1) });
export const valueSchema = z.union([z.string().min(1), z.strictObject({ valueFrom: z.strictObject({ secretKeyRef: secretKeyRefSchema }) })]);
export type ReceiverValue = z.infer<typeof valueSchema>;

const webhookSchema = z.strictObject({ url: valueSchema, headers: z.record(z.string().min(1), valueSchema).optional() });
const slackSchema = z.strictObject({ url: valueSchema });

export const receiverSchema = z.union([
  z.strictObject({ name: z.string().min(1), webhook: webhookSchema }),
  z.strictObject({ name: z.string().min(1), slack: slackSchema }),
]);
export const receiversSchema = z.array(receiverSchema);
export type Receiver = z.infer<typeof receiverSchema>;
export type ReceiverType = "webhook" | "slack";

export const receiverType = (r: Receiver): ReceiverType => ("webhook" in r ? "webhook" : "slack");

export type ReceiversResult = { ok: true; receivers: Receiver[] } | { ok: false; error: string };

const EXAMPLE = `- {name: team-webhook, webhook: {url: {valueFrom: {secretKeyRef: {name: NAME, key: KEY}}}}}`;

/** `where` names the ConfigMap ("default/sluice-notifications") in the error. */
export function parseReceivers(text: string | undefined, where: string): ReceiversResult {
  const bad = (why: string): ReceiversResult => ({ ok: false, error: `ConfigMap ${where} key "${RECEIVERS_KEY}": ${why}; it must be a YAML list such as ${EXAMPLE}` });
  if (text === undefined) return bad("missing");
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    return bad(`not YAML (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
  }
  const parsed = receiversSchema.safeParse(doc ?? []);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? `[${issue.path.join(".")}]` : "";
    return bad(`${path ? `at ${path}: ` : ""}${issue?.code === "invalid_union" ? "each receiver needs a name and exactly one of webhook: {url, headers} or slack: {url}" : issue?.message ?? "invalid"}`);
  }
  const names = parsed.data.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) return bad(`receiver "${twice}" is defined twice`);
  return { ok: true, receivers: parsed.data };
}

export type SecretRead = (namespace: string, name: string, key: string) => Promise<string | undefined>;

export class ReceiverConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReceiverConfigError";
  }
}

/** A value as sent; a Secret or key that is missing names itself (never the value) and how to fix it. */
export async function resolveValue(value: ReceiverValue, namespace: string, receiver: string, field: string, read: SecretRead): Promise<string> {
  if (typeof value === "string") return value;
  const ref = value.valueFrom.secretKeyRef;
  const found = await read(namespace, ref.name, ref.key);
  if (found === undefined || found === "") {
    throw new ReceiverConfigError(`receiver ${receiver} ${field}: Secret ${namespace}/${ref.name} has no key "${ref.key}" (or does not exist); create it or fix valueFrom.secretKeyRef`);
  }
  return found;
}

export type ResolvedReceiver = { name: string; type: ReceiverType; url: string; headers: Record<string, string> };

export async function resolveReceiver(receiver: Receiver, namespace: string, read: SecretRead): Promise<ResolvedReceiver> {
  if ("slack" in receiver) return { name: receiver.name, type: "slack", url: await resolveValue(receiver.slack.url, namespace, receiver.name, "slack.url", read), headers: {} };
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(receiver.webhook.headers ?? {})) headers[key] = await resolveValue(value, namespace, receiver.name, `webhook.headers.${key}`, read);
  return { name: receiver.name, type: "webhook", url: await resolveValue(receiver.webhook.url, namespace, receiver.name, "webhook.url", read), headers };
}
