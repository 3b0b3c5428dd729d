/**
 * Reusable zod building blocks for the sluice API. Every message here is written for a person reading
 * `sluice lint` output or a Rollout condition: it says what is expected; the formatter adds the path and
 * the value that was given.
 */
import { z } from "zod";
import { DURATION_PATTERN } from "./duration.ts";
import { API_GROUP_VERSION } from "./group.ts";

/** An integer in [min, max], with one message naming both bounds whichever is broken. */
export function intRange(min: number, max?: number) {
  const expected = max === undefined ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
  const base = z.int({ error: `must be ${expected}` }).min(min, { error: `must be ${expected}` });
  return max === undefined ? base : base.max(max, { error: `must be ${expected}` });
}

/** A whole percentage 0..100 (traffic weights are always integers). */
export const weight = () => intRange(0, 100);

/** Kubernetes DNS-1123 label / subdomain name (Services, templates, routes). */
export const k8sName = () =>
  z
    .string({ error: "must be a name (lower-case letters, digits, '-' and '.')" })
    .min(1, { error: "must not be empty" })
    .max(253, { error: "must be at most 253 characters" })
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
      error: "must be a lower-case DNS name: letters, digits, '-' and '.', starting and ending with a letter or digit",
    });

/** "30s", "5m", "1h30m" or an integer number of seconds. Serialised in the CRD as int-or-string. */
const DURATION_ERROR = 'must be a duration such as "30s", "5m" or "1h30m", or a whole number of seconds';
export const duration = () =>
  z.union([z.int({ error: DURATION_ERROR }).min(0, { error: DURATION_ERROR }), z.string().regex(DURATION_PATTERN, { error: DURATION_ERROR })], {
    error: DURATION_ERROR,
  });

/** An integer count or a percentage string such as "25%" (maxSurge, maxUnavailable, allowed change). */
const INT_OR_PERCENT_ERROR = 'must be a whole number or a percentage such as "25%"';
export const intOrPercent = () =>
  z.union(
    [z.int({ error: INT_OR_PERCENT_ERROR }).min(0, { error: INT_OR_PERCENT_ERROR }), z.string().regex(/^\d+(\.\d+)?%$/, { error: INT_OR_PERCENT_ERROR })],
    { error: INT_OR_PERCENT_ERROR },
  );

export const stringMap = () => z.record(z.string(), z.string());

/** metav1.ObjectMeta: the fields we read, everything else kept untouched. */
export const objectMeta = () =>
  z.looseObject({
    name: z.string().optional(),
    generateName: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.int().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    labels: stringMap().optional(),
    annotations: stringMap().optional(),
    finalizers: z.array(z.string()).optional(),
  });

/** metav1.LabelSelector; the descriptions are Kubernetes' own, shortened. */
export const labelSelector = () =>
  z.strictObject({
    matchLabels: stringMap()
      .optional()
      .describe("Labels a pod must carry, each with exactly this value (key: value). Combined with matchExpressions by AND."),
    matchExpressions: z
      .array(
        z
          .strictObject({
            key: z.string().describe("The label key the requirement applies to."),
            operator: z
              .enum(["In", "NotIn", "Exists", "DoesNotExist"])
              .describe("How the label's value relates to values: In, NotIn, Exists or DoesNotExist."),
            values: z
              .array(z.string())
              .optional()
              .describe("Label values for In and NotIn (must not be empty for those); empty for Exists and DoesNotExist."),
          })
          .describe("A label requirement: a key, an operator and values."),
      )
      .optional()
      .describe("Label requirements a pod must all meet, combined with matchLabels by AND."),
  });

/** A standard Kubernetes condition (metav1.Condition shape). */
export const condition = () =>
  z
    .strictObject({
      type: z.string().describe("Type of the condition, in CamelCase (for a Rollout: Progressing, Available, Paused, Healthy, InvalidSpec, ProgressDeadlineExceeded or TrafficRouting)."),
      status: z.enum(["True", "False", "Unknown"]).describe("Status of the condition: True, False or Unknown."),
      reason: z.string().optional().describe("Machine-readable reason for the condition's last transition, in CamelCase."),
      message: z.string().optional().describe("Human-readable details about the condition's last transition."),
      lastTransitionTime: z.string().optional().describe("When the condition last changed status (RFC 3339)."),
      lastUpdateTime: z.string().optional().describe("When the condition's reason or message last changed (RFC 3339)."),
    })
    .describe("A condition: one aspect of the object's state, as Kubernetes conditions are written.");

export const secretKeyRef = () =>
  z.strictObject({
    name: k8sName().describe("Name of the Secret, in the namespace of the object that refers to it."),
    key: z.string().min(1).describe("Key in the Secret's data whose value is used (surrounding whitespace trimmed)."),
  });

/**
 * An object of which exactly one field must be set (a tagged union written the Kubernetes way).
 * Encoded in the CRD with minProperties/maxProperties 1 so the API server enforces it too.
 */
export function exactlyOneOf<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape);
  return z
    .strictObject(shape)
    .superRefine((value, ctx) => {
      const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
      if (set.length !== 1) {
        ctx.addIssue({
          code: "custom",
          message:
            set.length === 0
              ? `must set exactly one of ${keys.join(", ")}`
              : `must set exactly one of ${keys.join(", ")} (got ${set.join(" and ")})`,
        });
      }
    })
    .meta({ minProperties: 1, maxProperties: 1 });
}

/** The descriptions kube-apiserver gives apiVersion, kind and metadata (metav1.TypeMeta, ObjectMeta). */
const API_VERSION_DESCRIPTION =
  "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION =
  "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** One of sluice's kinds: apiVersion sluice.dev/v1alpha1, the kind, metadata and `spec` (`.extend` adds status). */
export const sluiceKind = <Kind extends string, Spec extends z.ZodType>(kind: Kind, spec: Spec) =>
  z.strictObject({
    apiVersion: z.literal(API_GROUP_VERSION).describe(API_VERSION_DESCRIPTION),
    kind: z.literal(kind).describe(KIND_DESCRIPTION),
    metadata: objectMeta().describe(METADATA_DESCRIPTION),
    spec,
  });
