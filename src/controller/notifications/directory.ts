/**
 * The receivers a Rollout's namespace can use: its own `sluice-notifications` ConfigMap, then the controller
 * namespace's (for every namespace; a name in the Rollout's namespace wins). Read with plain GETs when a
 * notification is due and kept a few seconds, so a burst of events costs one read, with no informer: most
 * clusters have a handful of these ConfigMaps and they change rarely.
 */
import type { KubeClient } from "../../kube/kube-client.ts";
import { NOTIFICATIONS_CONFIGMAP, RECEIVERS_KEY, parseReceivers, type Receiver } from "./receivers.ts";

export type ReceiverSource = { receiver: Receiver; namespace: string };
export type Lookup = { receivers: Map<string, ReceiverSource>; problems: string[] };

type Cached<T> = { at: number; value: Promise<T> };

export class ReceiverDirectory {
  private readonly configMaps = new Map<string, Cached<{ receivers: Receiver[]; problem?: string | undefined }>>();
  private readonly secrets = new Map<string, Cached<Record<string, string> | undefined>>();
  private readonly kube: Pick<KubeClient, "get">;
  private readonly controllerNamespace: string | undefined;
  private readonly ttlMs: number;

  constructor(kube: Pick<KubeClient, "get">, controllerNamespace: string | undefined, ttlMs = 10_000) {
    this.kube = kube;
    this.controllerNamespace = controllerNamespace;
    this.ttlMs = ttlMs;
  }

  async lookup(namespace: string): Promise<Lookup> {
    const namespaces = [namespace, ...(this.controllerNamespace && this.controllerNamespace !== namespace ? [this.controllerNamespace] : [])];
    const receivers = new Map<string, ReceiverSource>();
    const problems: string[] = [];
    for (const ns of namespaces) {
      const found = await this.configMap(ns);
      if (found.problem) problems.push(found.problem);
      for (const receiver of found.receivers) if (!receivers.has(receiver.name)) receivers.set(receiver.name, { receiver, namespace: ns });
    }
    return { receivers, problems };
  }

  /** A Secret's decoded data, cached like the ConfigMaps (a Secret's value, never logged). */
  readonly readSecret = async (namespace: string, name: string, key: string): Promise<string | undefined> => {
    const data = await this.cached(this.secrets, `${namespace}/${name}`, async () => {
      const secret = await this.kube.get({ apiVersion: "v1", kind: "Secret", namespace, name });
      if (!secret) return undefined;
      const decoded: Record<string, string> = {};
      for (const [k, v] of Object.entries((secret.data as Record<string, string> | undefined) ?? {})) decoded[k] = Buffer.from(v, "base64").toString("utf8").trim();
      for (const [k, v] of Object.entries((secret.stringData as Record<string, string> | undefined) ?? {})) decoded[k] ??= v.trim();
      return decoded;
    });
    return data?.[key];
  };

  private configMap(namespace: string) {
    return this.cached(this.configMaps, namespace, async () => {
      const cm = await this.kube.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name: NOTIFICATIONS_CONFIGMAP });
      if (!cm) return { receivers: [] };
      const parsed = parseReceivers((cm.data as Record<string, string> | undefined)?.[RECEIVERS_KEY], `${namespace}/${NOTIFICATIONS_CONFIGMAP}`);
      return parsed.ok ? { receivers: parsed.receivers } : { receivers: [], problem: parsed.error };
    });
  }

  /** A failed read is not kept: the next notification reads again. */
  private cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    // Few keys live at once, but expired ones are swept so the cache stays as small as what is in use.
    for (const [k, v] of map) if (Date.now() - v.at >= this.ttlMs) map.delete(k);
    const value = load();
    map.set(key, { at: Date.now(), value });
    value.catch(() => map.delete(key));
    return value;
  }
}
