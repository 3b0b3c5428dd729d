/** Reading the common parts of provider objects without losing the parts we do not read. */
import { z } from "zod";
import type { Rollout } from "../api/rollout.ts";
import { routerProblem, type KubeObject, type RouterProblem } from "./types.ts";

const ownerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
});

export const kubeMetadataSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
});

export const kubeObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: kubeMetadataSchema,
});

/** "HTTPRoute shop/checkout": how every message names an object. */
export function describeObject(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

/** First zod issue as "spec.rules[1].backendRefs: expected array", for MalformedObject messages. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const path = issue.path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join("");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * Validates `value` against `schema` and returns a deep copy of the ORIGINAL value typed by the schema.
 * The copy, not zod's output, is what builders edit: zod would re-order keys, while the user's object
 * must come back with every field we do not manage exactly as it was.
 */
export function validatedCopy<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.infer<Schema> | RouterProblem {
  if (value === undefined || value === null) return routerProblem("ObjectNotFound", `${what} does not exist; create it or fix the name in the Rollout's trafficRouting`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) return routerProblem("MalformedObject", `${what} is malformed at ${firstIssue(parsed.error)}`);
  return structuredClone(value) as z.infer<Schema>;
}

/** Is this object controlled by this Rollout (by uid when both have one, by kind and name otherwise)? */
export function isControlledBy(object: Pick<KubeObject, "metadata">, rollout: Rollout): boolean {
  const refs = object.metadata.ownerReferences ?? [];
  return refs.some(
    (ref) =>
      ref.kind === rollout.kind &&
      ref.name === rollout.metadata.name &&
      (rollout.metadata.uid === undefined || ref.uid === "" || ref.uid === rollout.metadata.uid),
  );
}

/** Does another controller claim this object? Objects with no controller can be adopted. */
export function controllerOtherThan(object: Pick<KubeObject, "metadata">, rollout: Rollout): string | undefined {
  const controller = (object.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
  if (!controller || isControlledBy({ metadata: { name: "", ownerReferences: [controller] } }, rollout)) return undefined;
  return `${controller.kind} ${controller.name}`;
}
