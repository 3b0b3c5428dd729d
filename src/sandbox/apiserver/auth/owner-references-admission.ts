// The OwnerReferencesPermissionEnforcement admission plugin (plugin/pkg/admission/gc), which RBAC mode runs:
// changing an object's ownerReferences needs `delete` on the object (creating it does not), and a new
// ownerReference with blockOwnerDeletion: true needs `update` on the owner's `finalizers` subresource. Off by
// default in kube-apiserver, on in OpenShift and other hardened clusters: an install proven here works on both.
import { z } from "zod";
import { deepEqual, type JsonObject } from "../../../util/json.ts";
import { ApiError } from "../errors.ts";
import type { Registry } from "../registry.ts";
import type { ResourceType } from "../resource-type.ts";
import { metadataOf } from "../store.ts";
import { forbiddenError } from "./auth-errors.ts";
import type { Decision } from "./rbac-authorizer.ts";
import type { ResourceAttributes } from "./request-attributes.ts";

const ownerRefSchema = z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string(), blockOwnerDeletion: z.boolean().optional() });
type OwnerRef = z.infer<typeof ownerRefSchema>;

function ownerRefs(obj: JsonObject | undefined): OwnerRef[] {
  if (!obj) return [];
  const parsed = z.array(ownerRefSchema).safeParse(metadataOf(obj)["ownerReferences"] ?? []);
  return parsed.success ? parsed.data : [];
}

/** Refs that block their owner's deletion and did not before (new, or blockOwnerDeletion newly true). */
function newBlockingRefs(obj: JsonObject, old: JsonObject | undefined): OwnerRef[] {
  const before = new Map(ownerRefs(old).map((r) => [r.uid, r]));
  return ownerRefs(obj).filter((r) => r.blockOwnerDeletion === true && before.get(r.uid)?.blockOwnerDeletion !== true);
}

export type Check = (attrs: ResourceAttributes) => Decision;

export function ownerReferencesAdmission(registry: Registry, check: Check): (t: ResourceType, obj: JsonObject, old: JsonObject | undefined) => void {
  return (t, obj, old) => {
    const meta = metadataOf(obj);
    const refs = meta["ownerReferences"];
    const changing = old === undefined ? Array.isArray(refs) && refs.length > 0 : !deepEqual(refs ?? [], metadataOf(old)["ownerReferences"] ?? []);
    if (!changing) return;
    const name = typeof meta["name"] === "string" ? meta["name"] : "";
    const namespace = t.namespaced && typeof meta["namespace"] === "string" ? meta["namespace"] : "";
    const self: ResourceAttributes = { kind: "resource", verb: "delete", group: t.group, version: t.version, resource: t.plural, subresource: "", namespace, name };
    const refuse = (cause: string): ApiError => forbiddenError({ ...self, verb: old ? "update" : "create" }, cause);
    if (old !== undefined) {
      const decision = check(self);
      if (!decision.allowed) throw refuse(`cannot set an ownerRef on a resource you can't delete: ${decision.reason}, <nil>`);
    }
    for (const ref of newBlockingRefs(obj, old)) {
      const slash = ref.apiVersion.indexOf("/");
      const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : "";
      const version = slash >= 0 ? ref.apiVersion.slice(slash + 1) : ref.apiVersion;
      const owner = registry.findByKind(group, version, ref.kind);
      if (!owner) {
        throw refuse(`cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion ${ref.apiVersion} Kind ${ref.kind}: no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
      }
      const decision = check({ kind: "resource", verb: "update", group, version, resource: owner.plural, subresource: "finalizers", namespace: owner.namespaced ? namespace : "", name: ref.name });
      if (!decision.allowed) throw refuse(`cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: ${decision.reason}, <nil>`);
    }
  };
}
