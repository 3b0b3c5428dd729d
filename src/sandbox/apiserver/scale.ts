// The /scale subresource view (autoscaling/v1 Scale) built from a resource's scale paths.
import { internalError, notFound } from "./errors.ts";
import { getPath, isObject, type JsonObject, type JsonValue } from "../../util/json.ts";
import type { ResourceType } from "./resource-type.ts";
import { formatLabelSelector, labelSelectorFromObject } from "./selectors.ts";
import { metadataOf, nameOf, namespaceOf } from "./store.ts";

/** The autoscaling/v1 Scale view of an object (sheet §6.2). */
export function scaleOf(t: ResourceType, obj: JsonObject): JsonObject {
  const scale = t.scale;
  if (!scale) throw notFound(t, nameOf(obj));
  const specPath = scale.specReplicasPath.split(".").filter(Boolean);
  const replicas = getPath(obj, specPath);
  if (typeof replicas !== "number") throw internalError(`the spec replicas field ${JSON.stringify(scale.specReplicasPath)} does not exist`);
  const statusReplicas = getPath(obj, scale.statusReplicasPath.split(".").filter(Boolean));
  let selector = "";
  if (scale.labelSelectorPath) {
    const raw = getPath(obj, scale.labelSelectorPath.split(".").filter(Boolean));
    if (typeof raw === "string") selector = raw;
    else if (isObject(raw) && t.crdName === undefined) selector = formatLabelSelector(labelSelectorFromObject(raw));
  }
  const m = metadataOf(obj);
  const metadata: JsonObject = { name: nameOf(obj) };
  if (t.namespaced) metadata["namespace"] = namespaceOf(obj);
  for (const key of ["uid", "resourceVersion", "creationTimestamp"]) if (m[key] !== undefined) metadata[key] = m[key] as JsonValue;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata,
    spec: { replicas },
    status: { replicas: typeof statusReplicas === "number" ? statusReplicas : 0, selector },
  };
}

