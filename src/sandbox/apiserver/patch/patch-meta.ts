// Strategic-merge-patch metadata for built-in kinds: which lists merge, on which key, and the
// shape below each field. It mirrors the Go struct tags (`patchStrategy`, `patchMergeKey`) of the
// few types our controller touches (sheet §5.3); fields not described here are replaced wholesale.

export interface FieldPatchMeta {
  /** "merge" for merging lists; "retainKeys" clears unlisted keys; may be combined. */
  strategy?: ReadonlyArray<"merge" | "retainKeys">;
  /** Merge key for lists of maps (absent for merging primitive lists such as finalizers). */
  mergeKey?: string;
  /** Meta of the field's value (for lists: of each element). */
  meta?: PatchMeta;
}

export interface PatchMeta {
  fields: Readonly<Record<string, FieldPatchMeta>>;
}

const merge = ["merge"] as const;

const objectMeta: PatchMeta = {
  fields: {
    ownerReferences: { strategy: merge, mergeKey: "uid" },
    finalizers: { strategy: merge },
  },
};

const conditions: FieldPatchMeta = { strategy: merge, mergeKey: "type" };

const container: PatchMeta = {
  fields: {
    ports: { strategy: merge, mergeKey: "containerPort" },
    env: { strategy: merge, mergeKey: "name" },
    volumeMounts: { strategy: merge, mergeKey: "mountPath" },
    volumeDevices: { strategy: merge, mergeKey: "devicePath" },
  },
};

export const podSpecMeta: PatchMeta = {
  fields: {
    containers: { strategy: merge, mergeKey: "name", meta: container },
    initContainers: { strategy: merge, mergeKey: "name", meta: container },
    ephemeralContainers: { strategy: merge, mergeKey: "name", meta: container },
    volumes: { strategy: ["merge", "retainKeys"], mergeKey: "name" },
    imagePullSecrets: { strategy: merge, mergeKey: "name" },
    hostAliases: { strategy: merge, mergeKey: "ip" },
  },
};

const podTemplateMeta: PatchMeta = { fields: { metadata: { meta: objectMeta }, spec: { meta: podSpecMeta } } };

/** Top-level meta for an object whose spec is `specMeta` and whose status has conditions. */
function topLevel(specMeta?: PatchMeta): PatchMeta {
  const fields: Record<string, FieldPatchMeta> = {
    metadata: { meta: objectMeta },
    status: { meta: { fields: { conditions } } },
  };
  if (specMeta) fields["spec"] = { meta: specMeta };
  return { fields };
}

export const patchMetaByKind: Readonly<Record<string, PatchMeta>> = {
  Pod: topLevel(podSpecMeta),
  Deployment: topLevel({
    fields: { template: { meta: podTemplateMeta }, strategy: { strategy: ["retainKeys"] } },
  }),
  ReplicaSet: topLevel({ fields: { template: { meta: podTemplateMeta } } }),
  Service: topLevel({ fields: { ports: { strategy: merge, mergeKey: "port" } } }),
  Namespace: topLevel({ fields: {} }),
  Generic: topLevel(),
};
