// Deployments (the deployment controller's job on a real cluster), reduced to what a Rollout with workloadRef
// observes: one ReplicaSet per pod template (`NAME-HASH`, labelled pod-template-hash), the current one at
// spec.replicas and older ones scaled down as the current one's pods become available (maxSurge 100%,
// maxUnavailable 0: capacity never drops, as the default RollingUpdate keeps it), and a status summing them.
// The ReplicaSets then get pods like any other (the workload simulation).
import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/pod-template-hash.ts";
import { isObject, objectField, type JsonObject } from "../../util/json.ts";
import type { ResourceService } from "./resources.ts";
import { metadataOf, nameOf, uidOf } from "./store.ts";
import { WorkQueue } from "./work-queue.ts";

const DEPLOYMENTS = "deployments.apps";
const REPLICA_SETS = "replicasets.apps";
const HASH_LABEL = "pod-template-hash";

/** The ReplicaSet's hash: not sluice's (kube-controller-manager hashes differently, so a Rollout and a Deployment of one name never share ReplicaSet names). */
function deploymentHash(template: unknown): string {
  return createHash("sha256").update(`apps/v1 Deployment\n${canonicalJson(template)}`).digest("hex").slice(0, 10);
}

const internal = (): { fieldValidation: "Ignore"; dryRun: false; warnings: string[] } => ({ fieldValidation: "Ignore", dryRun: false, warnings: [] });

function numberAt(obj: JsonObject | undefined, key: string, fallback: number): number {
  const v = obj?.[key];
  return typeof v === "number" ? v : fallback;
}

function ownerUid(obj: JsonObject): string | undefined {
  const refs = metadataOf(obj)["ownerReferences"];
  if (!Array.isArray(refs)) return undefined;
  const ref = refs.find((r) => isObject(r) && r["controller"] === true && r["kind"] === "Deployment");
  return isObject(ref) && typeof ref["uid"] === "string" ? ref["uid"] : undefined;
}

export class DeploymentController {
  private readonly service: ResourceService;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(service: ResourceService, onError?: (key: string, error: unknown) => void) {
    this.service = service;
    this.queue = new WorkQueue((key) => this.sync(key), onError);
  }

  start(): void {
    this.unsubscribe = this.service.store.onEvent((storageKey, event) => {
      if (storageKey === DEPLOYMENTS && event.type !== "DELETED") this.queue.add(`${event.namespace}/${nameOf(event.object)}`);
      if (storageKey === REPLICA_SETS) {
        const owner = ownerUid(event.object);
        if (!owner) return;
        const deployment = this.service.store.list(DEPLOYMENTS, event.namespace).find((d) => uidOf(d) === owner);
        if (deployment) this.queue.add(`${event.namespace}/${nameOf(deployment)}`);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private sync(key: string): void {
    const [namespace = "", name = ""] = key.split("/");
    const deployment = this.service.store.get(DEPLOYMENTS, namespace, name);
    const rsType = this.service.registry.find("apps", "v1", "replicasets");
    const deployType = this.service.registry.find("apps", "v1", "deployments");
    if (!deployment || !rsType || !deployType || metadataOf(deployment)["deletionTimestamp"] !== undefined) return;
    const spec = objectField(deployment, "spec") ?? {};
    const template = objectField(spec, "template") ?? {};
    const hash = deploymentHash(template);
    const replicas = numberAt(spec, "replicas", 1);
    const owned = this.service.store
      .dependentsOf(uidOf(deployment))
      .filter((loc) => loc.storageKey === REPLICA_SETS && loc.namespace === namespace)
      .map((loc) => this.service.store.get(REPLICA_SETS, loc.namespace, loc.name))
      .filter((rs): rs is JsonObject => rs !== undefined);
    let current = owned.find((rs) => objectField(metadataOf(rs), "labels")?.[HASH_LABEL] === hash);
    if (!current) {
      const labels = { ...(objectField(objectField(template, "metadata"), "labels") ?? {}), [HASH_LABEL]: hash };
      const selector = objectField(spec, "selector") ?? {};
      const matchLabels = { ...(objectField(selector, "matchLabels") ?? {}), [HASH_LABEL]: hash };
      current = this.service.create(
        rsType,
        namespace,
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: {
            name: `${name}-${hash}`,
            namespace,
            labels,
            ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name, uid: uidOf(deployment), controller: true, blockOwnerDeletion: true }],
          },
          spec: {
            replicas,
            selector: { ...selector, matchLabels },
            template: { ...template, metadata: { ...(objectField(template, "metadata") ?? {}), labels } },
          },
        },
        internal(),
      ).object;
    } else if (numberAt(objectField(current, "spec"), "replicas", 1) !== replicas) {
      current = this.scale(rsType, current, replicas) ?? current;
    }
    // Old ReplicaSets give up pods only as the current one has them available (no capacity dip).
    const currentAvailable = numberAt(objectField(current, "status"), "availableReplicas", 0);
    let excess = Math.max(0, owned.filter((rs) => rs !== current).reduce((n, rs) => n + numberAt(objectField(rs, "spec"), "replicas", 1), 0) + currentAvailable - replicas);
    for (const old of owned) {
      if (uidOf(old) === uidOf(current)) continue;
      const have = numberAt(objectField(old, "spec"), "replicas", 1);
      const cut = Math.min(have, excess);
      if (cut > 0) {
        this.scale(rsType, old, have - cut);
        excess -= cut;
      }
    }
    const all = [current, ...owned.filter((rs) => uidOf(rs) !== uidOf(current))];
    const sum = (field: string) => all.reduce((n, rs) => n + numberAt(objectField(rs, "status"), field, 0), 0);
    const status: JsonObject = {
      observedGeneration: numberAt(metadataOf(deployment), "generation", 1),
      replicas: all.reduce((n, rs) => n + numberAt(objectField(rs, "spec"), "replicas", 1), 0),
      updatedReplicas: numberAt(objectField(current, "spec"), "replicas", 1),
      readyReplicas: sum("readyReplicas"),
      availableReplicas: sum("availableReplicas"),
    };
    const before = objectField(deployment, "status") ?? {};
    if (Object.entries(status).every(([k, v]) => before[k] === v)) return;
    this.service.writeAsController(deployType, { ...deployment, status: { ...before, ...status } }, "status");
  }

  private scale(rsType: NonNullable<ReturnType<ResourceService["registry"]["find"]>>, rs: JsonObject, replicas: number): JsonObject | undefined {
    const next = structuredClone(rs);
    next["spec"] = { ...(objectField(rs, "spec") ?? {}), replicas };
    return this.service.writeAsController(rsType, next);
  }
}
