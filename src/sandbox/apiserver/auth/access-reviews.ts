// The authorization.k8s.io reviews: SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview and
// LocalSubjectAccessReview (may USER do X?), SelfSubjectRulesReview (`kubectl auth can-i --list`); and
// authentication.k8s.io's SelfSubjectReview (`kubectl auth whoami`). Answers are computed, never stored.
import { z } from "zod";
import type { JsonObject } from "../../../util/json.ts";
import { ApiError, invalid } from "../errors.ts";
import type { PolicyRule } from "./policy-rule.ts";
import type { Decision, RbacAuthorizer } from "./rbac-authorizer.ts";
import type { RequestAttributes } from "./request-attributes.ts";
import type { UserInfo } from "./user-info.ts";

const resourceAttributes = z.object({
  namespace: z.string().optional(),
  verb: z.string().optional(),
  group: z.string().optional(),
  version: z.string().optional(),
  resource: z.string().optional(),
  subresource: z.string().optional(),
  name: z.string().optional(),
});
const nonResourceAttributes = z.object({ path: z.string().optional(), verb: z.string().optional() });
const accessSpec = z.object({
  resourceAttributes: resourceAttributes.optional(),
  nonResourceAttributes: nonResourceAttributes.optional(),
  user: z.string().optional(),
  groups: z.array(z.string()).nullish(),
  uid: z.string().optional(),
  extra: z.record(z.string(), z.array(z.string())).nullish(),
});
const review = z.object({ spec: accessSpec.optional() });
const rulesReview = z.object({ spec: z.object({ namespace: z.string().optional() }).optional() });

export type ReviewKind = "SelfSubjectAccessReview" | "SubjectAccessReview" | "LocalSubjectAccessReview";

const AUTHZ = "authorization.k8s.io";

function parseBody<T>(schema: z.ZodType<T>, body: unknown, kind: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ApiError(400, "BadRequest", `${kind} in version "v1" cannot be handled as a ${kind}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

function reviewInvalid(kind: string, field: string, value: unknown, detail: string): ApiError {
  return invalid({ group: AUTHZ, plural: kind.toLowerCase() + "s", kind }, "", [{ type: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }]);
}

function statusOf(decision: Decision): JsonObject {
  return decision.reason === "" ? { allowed: decision.allowed } : { allowed: decision.allowed, reason: decision.reason };
}

/** The attributes a review asks about (`verb`, `resource`… as given; missing fields are ""). */
function reviewAttributes(spec: z.infer<typeof accessSpec>, kind: string): RequestAttributes {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if ((r === undefined) === (n === undefined)) {
    throw reviewInvalid(kind, "spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified");
  }
  if (n) return { kind: "nonResource", verb: n.verb ?? "", path: n.path ?? "" };
  return {
    kind: "resource",
    verb: r?.verb ?? "",
    group: r?.group ?? "",
    version: r?.version ?? "",
    resource: r?.resource ?? "",
    subresource: r?.subresource ?? "",
    namespace: r?.namespace ?? "",
    name: r?.name ?? "",
  };
}

/** Answer one access review from `requester` (already authorized to create it) in URL namespace `namespace`. */
export function accessReview(authorizer: RbacAuthorizer, kind: ReviewKind, requester: UserInfo, namespace: string, body: unknown): JsonObject {
  const spec = parseBody(review, body, kind).spec ?? {};
  const attrs = reviewAttributes(spec, kind);
  let subject: UserInfo = requester;
  if (kind !== "SelfSubjectAccessReview") {
    const groups = spec.groups ?? [];
    if ((spec.user ?? "") === "" && groups.length === 0) throw reviewInvalid(kind, "spec.user", "", "at least one of user or group must be specified");
    subject = { name: spec.user ?? "", groups };
  }
  if (kind === "LocalSubjectAccessReview") {
    if (attrs.kind !== "resource") throw reviewInvalid(kind, "spec.nonResourceAttributes", null, "disallowed on this kind of request");
    if (attrs.namespace !== namespace) throw reviewInvalid(kind, "spec.resourceAttributes.namespace", attrs.namespace, "must match metadata.namespace");
  }
  const decision = authorizer.authorize(subject, attrs);
  const echoed: JsonObject = {};
  if (spec.resourceAttributes) echoed["resourceAttributes"] = { ...spec.resourceAttributes };
  if (spec.nonResourceAttributes) echoed["nonResourceAttributes"] = { ...spec.nonResourceAttributes };
  if (kind !== "SelfSubjectAccessReview") {
    if (spec.user !== undefined) echoed["user"] = spec.user;
    echoed["groups"] = [...(spec.groups ?? [])];
    if (spec.uid !== undefined) echoed["uid"] = spec.uid;
  }
  return {
    kind,
    apiVersion: `${AUTHZ}/v1`,
    metadata: kind === "LocalSubjectAccessReview" ? { namespace } : {},
    spec: echoed,
    status: statusOf(decision),
  };
}

function resourceRule(rule: PolicyRule): JsonObject {
  const out: JsonObject = { verbs: [...rule.verbs], apiGroups: [...rule.apiGroups], resources: [...rule.resources] };
  if (rule.resourceNames.length > 0) out["resourceNames"] = [...rule.resourceNames];
  return out;
}

/** SelfSubjectRulesReview: every rule in force for the requester in spec.namespace. */
export function selfSubjectRulesReview(authorizer: RbacAuthorizer, requester: UserInfo, body: unknown): JsonObject {
  const namespace = parseBody(rulesReview, body, "SelfSubjectRulesReview").spec?.namespace ?? "";
  const { rules, errors } = authorizer.rulesFor(requester, namespace);
  const status: JsonObject = {
    resourceRules: rules.filter((r) => r.resources.length > 0).map(resourceRule),
    nonResourceRules: rules.filter((r) => r.nonResourceURLs.length > 0).map((r) => ({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] })),
    incomplete: errors.length > 0,
  };
  if (errors.length > 0) status["evaluationError"] = errors.join(", ");
  return { kind: "SelfSubjectRulesReview", apiVersion: `${AUTHZ}/v1`, metadata: {}, spec: { namespace }, status };
}

/** SelfSubjectReview: who the server thinks the requester is. */
export function selfSubjectReview(requester: UserInfo): JsonObject {
  const userInfo: JsonObject = { username: requester.name, groups: [...requester.groups] };
  if (requester.uid !== undefined) userInfo["uid"] = requester.uid;
  if (requester.extra) userInfo["extra"] = Object.fromEntries(Object.entries(requester.extra).map(([k, v]) => [k, [...v]]));
  return { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: {}, status: { userInfo } };
}
