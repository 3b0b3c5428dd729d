/** A Rollout as a test creates it: one app label, the given containers and strategy, in `default`. */
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-object.ts";

export type RolloutObjectOptions = {
  strategy: Record<string, unknown>;
  replicas?: number;
  containers?: { name: string; image: string }[];
  namespace?: string;
};

export function rolloutObject(name: string, options: RolloutObjectOptions): KubeObject {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name, namespace: options.namespace ?? "default" },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: options.containers ?? [{ name: "app", image: "acme/web:1" }] } },
      strategy: options.strategy,
    },
  };
}
