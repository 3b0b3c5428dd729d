// REST semantics independent of HTTP: create/get/list/update/patch/delete/watch with the real
// server's rules (sheet §4–§6): resourceVersion preconditions, generation, status/scale
// subresource isolation, finalizers and deletion marking, schema pruning/defaulting/validation.
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  fieldErrors,
  forbidden,
  invalid,
  notFound,
  unsupportedMediaType,
} from "./errors.ts";
import { deepClone, deepEqual, getPath, isObject, objectField, setPath, stringField, type JsonObject, type JsonValue } from "../../util/json.ts";
import { admit, checkTypeMeta, CRD_STORAGE_KEY, NAMESPACE_STORAGE_KEY, stringList, type WriteOptions } from "./admission.ts";
import { crdStatus, CRD_CLEANUP_FINALIZER } from "./crd-types.ts";
import { generateName, timestamp } from "./object-meta.ts";
import { scaleOf } from "./scale.ts";
import { decodeContinue, encodeContinue } from "./paging.ts";
import { ApplyConflictError, navFromPatchMeta, navFromSchema, serverSideApply } from "./patch/server-side-apply.ts";
import { formatPath } from "./patch/field-paths.ts";
import { applyJsonPatch, JsonPatchError } from "./patch/json-patch.ts";
import { applyMergePatch } from "./patch/merge-patch.ts";
import { applyStrategicMergePatch, StrategicMergeError } from "./patch/strategic-merge.ts";
import type { Registry } from "./registry.ts";
import { apiVersionOf, storageKeyOf, type ResourceType } from "./resource-type.ts";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
  type FieldSelector,
  type LabelSelector,
} from "./selectors.ts";
import { metadataOf, nameOf, namespaceOf, Store } from "./store.ts";
import { deliver, type WatchEventType, type Watcher } from "./watch.ts";

export { stringList, type FieldValidation, type WriteOptions } from "./admission.ts";

export type Subresource = "status" | "scale" | undefined;
export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size (absent or 0 = everything). */
  limit?: number;
  /** Token from a previous page's metadata.continue. */
  continue?: string;
}

export interface ListResult {
  items: JsonObject[];
  resourceVersion: string;
  /** Set when more items follow. */
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

export type WatchSink = (type: WatchEventType, obj: JsonObject) => void;

export interface WriteResult {
  object: JsonObject;
  created: boolean;
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface ApplyOptions {
  /** `?fieldManager=`, mandatory for apply. */
  fieldManager?: string;
  /** `?force=true`: take over conflicting fields. */
  force: boolean;
}


/** Field selectors beyond metadata.name/namespace that built-ins support. */
const EXTRA_FIELD_SELECTORS: Record<string, string[]> = {
  pods: ["status.phase", "spec.nodeName", "spec.restartPolicy", "status.podIP"],
  events: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
  "events.events.k8s.io": ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type"],
  secrets: ["type"],
  namespaces: ["status.phase"],
};

export class ResourceService {
  readonly store: Store;
  readonly registry: Registry;
  private readonly now: () => number;
  /** Watches answered with 410 Expired so far (tests assert relists really happened). */
  expiredWatches = 0;

  constructor(store: Store, registry: Registry, now: () => number = Date.now) {
    this.store = store;
    this.registry = registry;
    this.now = now;
  }

  // ---------- reads ----------

  /** The object as served at `t`'s version (storage is shared between versions of a CRD). */
  present(t: ResourceType, obj: JsonObject): JsonObject {
    if (t.conversion) return t.conversion.fromStorage(obj);
    const apiVersion = apiVersionOf(t);
    if (obj["apiVersion"] === apiVersion && obj["kind"] === t.kind) return obj;
    return { ...obj, apiVersion, kind: t.kind };
  }

  get(t: ResourceType, namespace: string, name: string): JsonObject {
    const obj = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!obj) throw notFound(t, name);
    return this.present(t, obj);
  }

  private selectors(t: ResourceType, opts: ListOptions): { labels: LabelSelector; fields: FieldSelector } {
    try {
      const supported = ["metadata.name", "metadata.namespace", ...(EXTRA_FIELD_SELECTORS[storageKeyOf(t.group, t.plural)] ?? [])];
      return { labels: parseLabelSelector(opts.labelSelector ?? ""), fields: parseFieldSelector(opts.fieldSelector ?? "", supported) };
    } catch (e) {
      if (e instanceof SelectorParseError) throw badRequest(e.message);
      throw e;
    }
  }

  private matcher(t: ResourceType, namespace: string | undefined, opts: ListOptions): (obj: JsonObject) => boolean {
    const { labels, fields } = this.selectors(t, opts);
    return (obj) => {
      if (namespace !== undefined && namespaceOf(obj) !== namespace) return false;
      if (labels.length && !matchesLabels(labels, objectField(metadataOf(obj), "labels"))) return false;
      if (fields.length) {
        return matchesFields(fields, (field) => {
          const stored = t.conversion ? t.conversion.fieldToStorage(field) : field;
          const v = getPath(obj, stored.split("."));
          return typeof v === "string" ? v : v === undefined ? undefined : String(v);
        });
      }
      return true;
    };
  }

  list(t: ResourceType, namespace: string | undefined, opts: ListOptions): ListResult {
    const ns = t.namespaced ? namespace : undefined;
    const matches = this.matcher(t, ns, opts);
    const token = opts.continue ? decodeContinue(opts.continue, this.store.bucket(t.storageKey).history.droppedThrough) : undefined;
    let all = this.store.list(t.storageKey, ns).filter(matches).sort(compareKeys);
    if (token) all = all.filter((o) => `${namespaceOf(o)}/${nameOf(o)}` > token.start);
    const resourceVersion = token?.rv ?? String(this.store.currentRevision());
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
    if (limit === undefined || all.length <= limit) return { items: all.map((o) => this.present(t, o)), resourceVersion };
    const page = all.slice(0, limit);
    const last = page[page.length - 1];
    const result: ListResult = {
      items: page.map((o) => this.present(t, o)),
      resourceVersion,
      continue: encodeContinue({ rv: resourceVersion, start: last ? `${namespaceOf(last)}/${nameOf(last)}` : "" }),
    };
    if (!opts.labelSelector && !opts.fieldSelector) result.remainingItemCount = all.length - limit;
    return result;
  }

  /**
   * Start a watch. Returns a stop function, or throws ApiError 410 (to be sent as an ERROR
   * event) when `resourceVersion` is older than the retained history.
   */
  watch(t: ResourceType, namespace: string | undefined, opts: WatchOptions, sink: WatchSink): () => void {
    const ns = t.namespaced ? namespace : undefined;
    const matches = this.matcher(t, ns, opts);
    const send: WatchSink = (type, obj) => sink(type, this.present(t, obj));
    const watcher: Watcher = { namespace: ns, matches, send };
    const bucket = this.store.bucket(t.storageKey);
    const rvText = opts.resourceVersion ?? "";
    if (rvText === "" || rvText === "0") {
      for (const obj of this.store.list(t.storageKey, ns).filter(matches).sort(compareKeys)) send("ADDED", obj);
    } else {
      const rv = Number(rvText);
      if (!Number.isInteger(rv) || rv < 0) throw badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
      if (rv < bucket.history.droppedThrough) {
        const oldest = bucket.history.oldestRv() ?? this.store.currentRevision() + 1;
        this.expiredWatches++;
        throw expired(`too old resource version: ${rv} (${oldest - 1})`);
      }
      for (const event of bucket.history.since(rv)) deliver(watcher, event);
    }
    return bucket.hub.add(watcher);
  }

  // ---------- helpers for writes ----------

  private requireNamespace(t: ResourceType, namespace: string, name: string, forCreate: boolean): void {
    if (!t.namespaced) return;
    const ns = this.store.get(NAMESPACE_STORAGE_KEY, "", namespace);
    if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
    if (forCreate && metadataOf(ns)["deletionTimestamp"] !== undefined) {
      throw forbidden(t, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  // ---------- create ----------

  create(t: ResourceType, namespace: string, input: unknown, opts: WriteOptions): WriteResult {
    if (!isObject(input)) throw badRequest("the body of the request was in an unknown format");
    const obj = deepClone(input);
    checkTypeMeta(t, obj);
    const metadata = objectField(obj, "metadata") ?? {};
    obj["metadata"] = metadata;
    if (t.namespaced) {
      const bodyNs = stringField(metadata, "namespace");
      if (bodyNs !== undefined && bodyNs !== "" && bodyNs !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      metadata["namespace"] = namespace;
    } else {
      delete metadata["namespace"];
    }
    let name = stringField(metadata, "name") ?? "";
    const prefix = stringField(metadata, "generateName") ?? "";
    if (name === "" && prefix !== "") {
      name = generateName(prefix);
      metadata["name"] = name;
    }
    if (name === "") throw invalid(t, "", [fieldErrors.required("metadata.name", "name or generateName is required")]);
    this.requireNamespace(t, namespace, name, true);
    if (metadata["resourceVersion"] !== undefined && metadata["resourceVersion"] !== "") {
      throw new ApiError(500, "InternalError", "resourceVersion should not be set on objects to be created");
    }
    if (t.statusSubresource && t.storageKey !== NAMESPACE_STORAGE_KEY) delete obj["status"];
    for (const key of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"]) delete metadata[key];
    if (!opts.preserveManagedFields) delete metadata["managedFields"];
    admit(t, obj, undefined, opts, "decode");
    if (t.storageKey === CRD_STORAGE_KEY) obj["status"] = crdStatus(obj, undefined, timestamp(this.now()));

    if (this.store.get(t.storageKey, t.namespaced ? namespace : "", name)) throw alreadyExists(t, name);
    metadata["uid"] = this.store.newUid();
    metadata["creationTimestamp"] = timestamp(this.now());
    if (t.tracksGeneration) metadata["generation"] = 1;
    const stored = t.conversion ? t.conversion.toStorage(obj) : obj;
    if (opts.dryRun) return { object: this.present(t, { ...stored, metadata: { ...metadata } }), created: true };
    const rv = this.store.nextRevision();
    metadata["resourceVersion"] = String(rv);
    this.store.put(t.storageKey, stored, rv);
    return { object: this.present(t, stored), created: true };
  }

  // ---------- update ----------

  /** PUT on the main resource or /status. */
  update(t: ResourceType, namespace: string, name: string, input: unknown, subresource: Subresource, opts: WriteOptions): WriteResult {
    if (!isObject(input)) throw badRequest("the body of the request was in an unknown format");
    const body = deepClone(input);
    if (subresource === "scale") return this.updateScale(t, namespace, name, body, opts);
    checkTypeMeta(t, body);
    const metadata = objectField(body, "metadata") ?? {};
    body["metadata"] = metadata;
    const bodyName = stringField(metadata, "name") ?? "";
    if (bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    if (t.namespaced) {
      const bodyNs = stringField(metadata, "namespace");
      if (bodyNs !== undefined && bodyNs !== "" && bodyNs !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      metadata["namespace"] = namespace;
    } else delete metadata["namespace"];

    const old = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!old) {
      if (subresource === undefined && t.allowCreateOnUpdate) {
        delete metadata["resourceVersion"];
        return this.create(t, namespace, body, opts);
      }
      throw notFound(t, name);
    }
    const rv = stringField(metadata, "resourceVersion") ?? "";
    if (rv === "") {
      if (!t.allowUnconditionalUpdate) {
        throw invalid({ group: t.group, plural: t.plural, kind: t.plural }, name, [
          { type: "FieldValueInvalid", field: "metadata.resourceVersion", message: "Invalid value: 0x0: must be specified for an update" },
        ]);
      }
    } else if (rv !== metadataOf(old)["resourceVersion"]) {
      throw conflict(t, name);
    }
    return this.commitUpdate(t, old, body, subresource, opts, "decode");
  }

  /** Shared tail of PUT and PATCH: subresource isolation, admission, generation, finalizers, store. */
  private commitUpdate(t: ResourceType, old: JsonObject, proposed: JsonObject, subresource: Subresource, opts: WriteOptions, unknownAs: "decode" | "patch"): WriteResult {
    const oldMeta = metadataOf(old);
    let next: JsonObject;
    if (subresource === "status") {
      next = deepClone(old);
      next["apiVersion"] = apiVersionOf(t);
      if (proposed["status"] === undefined) delete next["status"];
      else next["status"] = proposed["status"];
    } else {
      next = proposed;
      const meta = objectField(next, "metadata") ?? {};
      next["metadata"] = meta;
      for (const key of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "name", "namespace"]) {
        if (oldMeta[key] === undefined) delete meta[key];
        else meta[key] = oldMeta[key] as JsonValue;
      }
      // managedFields omitted from a write are kept (as the real server does).
      if (meta["managedFields"] === undefined && oldMeta["managedFields"] !== undefined) meta["managedFields"] = oldMeta["managedFields"] as JsonValue;
      if (t.statusSubresource) {
        if (old["status"] === undefined) delete next["status"];
        else next["status"] = old["status"] as JsonValue;
      }
    }
    const nextMeta = objectField(next, "metadata") ?? {};
    next["metadata"] = nextMeta;
    nextMeta["resourceVersion"] = oldMeta["resourceVersion"] ?? "";
    admit(t, next, old, opts, unknownAs);
    if (t.storageKey === CRD_STORAGE_KEY && subresource === undefined) {
      next["status"] = crdStatus(next, objectField(old, "status"), timestamp(this.now()));
    }
    if (t.tracksGeneration && subresource === undefined) {
      const strip = (o: JsonObject): JsonObject => {
        const c = { ...o };
        delete c["metadata"];
        delete c["apiVersion"];
        delete c["kind"];
        return c;
      };
      const previous = typeof oldMeta["generation"] === "number" ? oldMeta["generation"] : 1;
      nextMeta["generation"] = deepEqual(strip(old), strip(next)) ? previous : previous + 1;
    }
    if (t.conversion) next = t.conversion.toStorage(next);
    const comparableOld = t.conversion ? old : this.present(t, old);
    if (deepEqual(comparableOld, next)) return { object: this.present(t, old), created: false };
    if (opts.dryRun) return { object: next, created: false };

    const deleting = oldMeta["deletionTimestamp"] !== undefined;
    if (deleting && stringList(nextMeta["finalizers"]).length === 0 && t.storageKey !== NAMESPACE_STORAGE_KEY) {
      const removed = this.store.remove(t.storageKey, namespaceOf(old), nameOf(old), next);
      return { object: this.present(t, removed ?? next), created: false };
    }
    const rv = this.store.nextRevision();
    nextMeta["resourceVersion"] = String(rv);
    this.store.put(t.storageKey, next, rv);
    return { object: this.present(t, next), created: false };
  }

  // ---------- patch ----------

  patch(t: ResourceType, namespace: string, name: string, patchType: PatchType, patchBody: unknown, subresource: Subresource, opts: WriteOptions, apply: ApplyOptions = { force: false }): WriteResult {
    const accepted = ["application/json-patch+json", "application/merge-patch+json", ...(t.strategicMerge ? ["application/strategic-merge-patch+json"] : []), "application/apply-patch+yaml"];
    if (patchType === "apply" && subresource === undefined) return this.apply(t, namespace, name, patchBody, opts, apply);
    if (patchType === "apply" || (patchType === "strategic" && !t.strategicMerge)) throw unsupportedMediaType(accepted);
    const old = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!old) throw notFound(t, name);
    const current = subresource === "scale" ? scaleOf(t, old) : this.present(t, old);
    let patched: JsonValue;
    try {
      if (patchType === "json") patched = applyJsonPatch(current, patchBody);
      else if (!isObject(patchBody)) throw badRequest("the body of the request was in an unknown format - patch must be a JSON object");
      else if (patchType === "merge") patched = applyMergePatch(current, patchBody);
      else patched = applyStrategicMergePatch(current, patchBody, subresource === "scale" ? undefined : t.patchMeta);
    } catch (e) {
      if (e instanceof JsonPatchError || e instanceof StrategicMergeError) {
        throw new ApiError(422, "Invalid", e.message, { causes: [{ reason: "FieldValueInvalid", message: e.message, field: "patch" }] });
      }
      throw e;
    }
    if (!isObject(patched)) throw badRequest("patched object is not a JSON object");
    const patchedMeta = objectField(patched, "metadata") ?? {};
    const currentMeta = metadataOf(current);
    if (patchedMeta["resourceVersion"] !== undefined && patchedMeta["resourceVersion"] !== currentMeta["resourceVersion"]) {
      throw conflict(t, name);
    }
    if (stringField(patchedMeta, "name") !== name) {
      throw badRequest(`the name of the object (${String(patchedMeta["name"])}) does not match the name on the URL (${name})`);
    }
    if (subresource === "scale") return this.updateScale(t, namespace, name, patched, opts);
    checkTypeMeta(t, patched);
    return this.commitUpdate(t, old, patched, subresource, opts, "patch");
  }

  // ---------- server-side apply ----------

  private apply(t: ResourceType, namespace: string, name: string, body: unknown, opts: WriteOptions, apply: ApplyOptions): WriteResult {
    if (!apply.fieldManager) {
      throw new ApiError(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, {
        group: "meta.k8s.io", kind: "PatchOptions", causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
      });
    }
    if (!isObject(body)) throw badRequest("the body of the request was in an unknown format");
    const applied = deepClone(body);
    checkTypeMeta(t, applied);
    const appliedMeta = objectField(applied, "metadata") ?? {};
    applied["metadata"] = appliedMeta;
    const bodyName = stringField(appliedMeta, "name") ?? "";
    if (bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    if (t.namespaced) appliedMeta["namespace"] = namespace;
    const old = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    const nav = t.schema ? navFromSchema(t.schema) : navFromPatchMeta(t.patchMeta);
    let merged: JsonObject;
    try {
      merged = serverSideApply({
        live: old ? this.present(t, old) : undefined,
        applied,
        manager: apply.fieldManager,
        force: apply.force,
        nav,
        apiVersion: apiVersionOf(t),
        now: timestamp(this.now()),
      });
    } catch (e) {
      if (e instanceof ApplyConflictError) {
        throw new ApiError(409, "Conflict", e.message, {
          causes: e.conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${JSON.stringify(c.manager)}`, field: formatPath(c.path) })),
        });
      }
      throw e;
    }
    if (!old) {
      const metadata = objectField(merged, "metadata") ?? {};
      metadata["name"] = name;
      return this.create(t, namespace, merged, { ...opts, preserveManagedFields: true });
    }
    return this.commitUpdate(t, old, merged, undefined, opts, "patch");
  }

  // ---------- scale ----------

  getScale(t: ResourceType, namespace: string, name: string): JsonObject {
    const obj = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!obj) throw notFound(t, name);
    return scaleOf(t, obj);
  }

  private updateScale(t: ResourceType, namespace: string, name: string, scaleBody: JsonObject, opts: WriteOptions): WriteResult {
    const scale = t.scale;
    if (!scale) throw notFound(t, name);
    const old = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!old) throw notFound(t, name);
    const rv = stringField(objectField(scaleBody, "metadata"), "resourceVersion");
    if (rv !== undefined && rv !== "" && rv !== metadataOf(old)["resourceVersion"]) throw conflict(t, name);
    const replicas = objectField(scaleBody, "spec")?.["replicas"];
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid({ group: "autoscaling", plural: "scales", kind: "Scale" }, name, [fieldErrors.invalid("spec.replicas", replicas ?? null, "must be greater than or equal to 0")]);
    }
    const next = deepClone(this.present(t, old));
    setPath(next, scale.specReplicasPath.split(".").filter(Boolean), replicas);
    const result = this.commitUpdate(t, old, next, undefined, opts, "decode");
    const stored = this.store.get(t.storageKey, t.namespaced ? namespace : "", name) ?? result.object;
    return { object: scaleOf(t, stored), created: false };
  }

  // ---------- delete ----------

  /** Returns the response body: a Success Status, or the object when it is only marked. */
  delete(t: ResourceType, namespace: string, name: string, options: DeleteOptions): JsonObject {
    const old = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!old) throw notFound(t, name);
    const meta = metadataOf(old);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== meta["uid"]) {
      throw conflict(t, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(meta["uid"])}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta["resourceVersion"]) {
      throw conflict(t, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(meta["resourceVersion"])}`);
    }
    if (meta["deletionTimestamp"] !== undefined) return this.present(t, old);

    const finalizers = stringList(meta["finalizers"]);
    let policy: PropagationPolicy = "Background";
    if (options.orphanDependents !== undefined) policy = options.orphanDependents ? "Orphan" : "Background";
    else if (options.propagationPolicy !== undefined) policy = options.propagationPolicy;
    else if (finalizers.includes("orphan")) policy = "Orphan";
    else if (finalizers.includes("foregroundDeletion")) policy = "Foreground";
    const nextFinalizers = finalizers.filter((f) => f !== "orphan" && f !== "foregroundDeletion");
    if (policy === "Orphan") nextFinalizers.push("orphan");
    if (policy === "Foreground") nextFinalizers.push("foregroundDeletion");
    if (t.storageKey === CRD_STORAGE_KEY) nextFinalizers.push(CRD_CLEANUP_FINALIZER);
    const isNamespace = t.storageKey === NAMESPACE_STORAGE_KEY;

    if (nextFinalizers.length > 0 || isNamespace) {
      const next = deepClone(old);
      const nextMeta = metadataOf(next);
      nextMeta["deletionTimestamp"] = timestamp(this.now());
      nextMeta["deletionGracePeriodSeconds"] = 0;
      if (nextFinalizers.length > 0) nextMeta["finalizers"] = nextFinalizers;
      if (t.tracksGeneration && typeof nextMeta["generation"] === "number") nextMeta["generation"] = nextMeta["generation"] + 1;
      if (isNamespace) (objectField(next, "status") ?? (next["status"] = {}))["phase"] = "Terminating";
      if (t.storageKey === CRD_STORAGE_KEY) markCrdTerminating(next, timestamp(this.now()));
      if (options.dryRun) return this.present(t, next);
      const rv = this.store.nextRevision();
      nextMeta["resourceVersion"] = String(rv);
      this.store.put(t.storageKey, next, rv);
      return this.present(t, next);
    }
    if (options.dryRun) return this.present(t, old);
    const removed = this.store.remove(t.storageKey, namespaceOf(old), name);
    if (t.storageKey === "pods" && removed) return this.present(t, removed);
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name, group: t.group, kind: t.plural, uid: String(meta["uid"] ?? "") },
    };
  }

  deleteCollection(t: ResourceType, namespace: string | undefined, listOptions: ListOptions, options: DeleteOptions): JsonObject {
    const { items, resourceVersion } = this.list(t, namespace, listOptions);
    const deleted: JsonObject[] = [];
    for (const item of items) {
      try {
        const result = this.delete(t, namespaceOf(item), nameOf(item), options);
        deleted.push(result["kind"] === "Status" ? item : result);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { apiVersion: apiVersionOf(t), kind: t.listKind, metadata: { resourceVersion }, items: deleted };
  }

  /**
   * Write a full object as an in-process controller would (GC, simulation): same rules as a
   * PUT without resourceVersion precondition, no field-validation warnings. Returns undefined
   * when the object is gone.
   */
  writeAsController(t: ResourceType, next: JsonObject, subresource?: Subresource): JsonObject | undefined {
    const old = this.store.get(t.storageKey, t.namespaced ? namespaceOf(next) : "", nameOf(next));
    if (!old) return undefined;
    return this.commitUpdate(t, old, deepClone(next), subresource, { fieldValidation: "Ignore", dryRun: false, warnings: [] }, "decode").object;
  }

  /** Remove a finalizer as a controller would (used by the GC / namespace / CRD controllers). */
  removeFinalizer(t: ResourceType, namespace: string, name: string, finalizer: string): void {
    const old = this.store.get(t.storageKey, t.namespaced ? namespace : "", name);
    if (!old) return;
    const finalizers = stringList(metadataOf(old)["finalizers"]);
    if (!finalizers.includes(finalizer)) return;
    const next = deepClone(this.present(t, old));
    const rest = finalizers.filter((f) => f !== finalizer);
    if (rest.length > 0) metadataOf(next)["finalizers"] = rest;
    else delete metadataOf(next)["finalizers"];
    this.commitUpdate(t, old, next, undefined, { fieldValidation: "Ignore", dryRun: false, warnings: [] }, "decode");
  }
}

function markCrdTerminating(crd: JsonObject, now: string): void {
  const status = objectField(crd, "status") ?? {};
  crd["status"] = status;
  const conditions = Array.isArray(status["conditions"]) ? status["conditions"].filter((c) => !(isObject(c) && c["type"] === "Terminating")) : [];
  conditions.push({ type: "Terminating", status: "True", lastTransitionTime: now, reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" });
  status["conditions"] = conditions;
}


function compareKeys(a: JsonObject, b: JsonObject): number {
  const na = namespaceOf(a);
  const nb = namespaceOf(b);
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = nameOf(a);
  const mb = nameOf(b);
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
