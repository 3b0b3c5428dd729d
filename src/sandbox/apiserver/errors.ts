// Kubernetes `Status` failures as typed values. Every error the server sends is built here so the
// reason/code/message/details shapes match apimachinery's pkg/api/errors (sheet §3).
import type { JsonObject } from "../../util/json.ts";

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Expired"
  | "Forbidden"
  | "Unauthorized"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "InternalError"
  | "TooManyRequests"
  | "Timeout"
  | "ServiceUnavailable";

export type CauseType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueTypeInvalid"
  | "InternalError";

/** One field error (apimachinery field.Error): `field: detail`. */
export interface FieldError {
  type: CauseType;
  field: string;
  /** The message body without the field prefix, e.g. `Required value`. */
  message: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string>;
  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = headers;
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
    };
    if (this.details) status["details"] = JSON.parse(JSON.stringify(this.details)) as JsonObject;
    status["code"] = this.code;
    return status;
  }
}

/** What errors need to know about the resource: plural, group and Kind. */
export interface ResourceRef {
  group: string;
  plural: string;
  kind: string;
}

/** `GroupResource.String()`: `plural.group`, or just `plural` for the core group. */
export function groupResource(ref: { group: string; plural: string }): string {
  return ref.group === "" ? ref.plural : `${ref.plural}.${ref.group}`;
}

function groupKind(ref: ResourceRef): string {
  return ref.group === "" ? ref.kind : `${ref.kind}.${ref.group}`;
}

export function notFound(ref: { group: string; plural: string }, name: string): ApiError {
  return new ApiError(404, "NotFound", `${groupResource(ref)} "${name}" not found`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function alreadyExists(ref: { group: string; plural: string }, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${groupResource(ref)} "${name}" already exists`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function conflict(ref: { group: string; plural: string }, name: string, why?: string): ApiError {
  const reason = why ?? "the object has been modified; please apply your changes to the latest version and try again";
  return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${groupResource(ref)} "${name}": ${reason}`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${e.message}`;
}

export function invalid(ref: ResourceRef, name: string, errors: readonly FieldError[]): ApiError {
  const texts = errors.map(fieldErrorText);
  const joined = texts.length === 1 ? (texts[0] ?? "") : `[${texts.join(", ")}]`;
  return new ApiError(422, "Invalid", `${groupKind(ref)} "${name}" is invalid: ${joined}`, {
    name,
    group: ref.group,
    kind: ref.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

export function expired(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

export function forbidden(ref: { group: string; plural: string }, name: string, why: string): ApiError {
  return new ApiError(403, "Forbidden", `${groupResource(ref)} "${name}" is forbidden: ${why}`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function methodNotAllowed(verb: string, ref: { group: string; plural: string }): ApiError {
  return new ApiError(405, "MethodNotAllowed", `${verb} is not supported on resources of kind "${groupResource(ref)}"`, {
    group: ref.group,
    kind: ref.plural,
  });
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(406, "NotAcceptable", message);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
    causes: [{ reason: "UnexpectedServerResponse", message }],
  });
}

/** Field error constructors with apimachinery's message bodies (pkg/util/validation/field). */
export const fieldErrors = {
  required(field: string, detail?: string): FieldError {
    return { type: "FieldValueRequired", field, message: detail ? `Required value: ${detail}` : "Required value" };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { type: "FieldValueInvalid", field, message: `Invalid value: ${formatBadValue(value)}: ${detail}` };
  },
  notSupported(field: string, value: unknown, supported: readonly unknown[]): FieldError {
    const list = supported.map((v) => formatBadValue(v)).join(", ");
    return { type: "FieldValueNotSupported", field, message: `Unsupported value: ${formatBadValue(value)}: supported values: ${list}` };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: "FieldValueForbidden", field, message: `Forbidden: ${detail}` };
  },
  tooLong(field: string, max: number): FieldError {
    return { type: "FieldValueTooLong", field, message: `Too long: may not be more than ${max} bytes` };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return { type: "FieldValueTooMany", field, message: `Too many: ${actual}: must have at most ${max} items` };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: "FieldValueDuplicate", field, message: `Duplicate value: ${formatBadValue(value)}` };
  },
};

/** How field.Error prints a bad value: %q for strings, bare numbers/bools, JSON otherwise. */
export function formatBadValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  return JSON.stringify(value);
}
