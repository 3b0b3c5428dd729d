/** Kubernetes Events about a Rollout (core/v1), so `kubectl describe` and `kubectl get events` tell the story. */
import { randomBytes } from "node:crypto";
import type { KubeClient, KubeObject } from "./kube-client.ts";
import { rfc3339Seconds } from "../util/rfc3339.ts";

export type InvolvedObject = { apiVersion: string; kind: string; namespace: string; name: string; uid?: string | undefined };

export class EventRecorder {
  private readonly kube: KubeClient;
  private readonly component: string;

  constructor(kube: KubeClient, component = "sluice-controller") {
    this.kube = kube;
    this.component = component;
  }

  async record(object: InvolvedObject, type: "Normal" | "Warning", reason: string, message: string, now = new Date()): Promise<void> {
    const time = rfc3339Seconds(now);
    const event: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${object.name}.${randomBytes(8).toString("hex")}`, namespace: object.namespace },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace, uid: object.uid },
      reason,
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      type,
      source: { component: this.component },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: "",
    };
    await this.kube.create(event);
  }
}
