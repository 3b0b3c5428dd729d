// Decoding of the Kubernetes protobuf envelope for the few built-in kinds kubectl's typed
// generators send as protobuf (`kubectl create namespace|configmap|secret`); kubectl does not
// fall back to JSON on 415, so without this those commands fail. Other kinds stay 415.
import { isObject, type JsonObject, type JsonValue } from "../../util/json.ts";

export class ProtobufDecodeError extends Error {}

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

type Scalar = "string" | "int" | "bool" | "bytes" | "time";
interface FieldSpec {
  name: string;
  type: Scalar | MessageSpec | { map: "string" | "bytes" };
  repeated?: boolean;
}
interface MessageSpec {
  fields: Record<number, FieldSpec>;
}

const time: MessageSpec = { fields: { 1: { name: "seconds", type: "int" }, 2: { name: "nanos", type: "int" } } };
const ownerReference: MessageSpec = {
  fields: {
    1: { name: "kind", type: "string" },
    3: { name: "name", type: "string" },
    4: { name: "uid", type: "string" },
    5: { name: "apiVersion", type: "string" },
    6: { name: "controller", type: "bool" },
    7: { name: "blockOwnerDeletion", type: "bool" },
  },
};
const objectMeta: MessageSpec = {
  fields: {
    1: { name: "name", type: "string" },
    2: { name: "generateName", type: "string" },
    3: { name: "namespace", type: "string" },
    5: { name: "uid", type: "string" },
    6: { name: "resourceVersion", type: "string" },
    7: { name: "generation", type: "int" },
    8: { name: "creationTimestamp", type: "time" },
    11: { name: "labels", type: { map: "string" } },
    12: { name: "annotations", type: { map: "string" } },
    13: { name: "ownerReferences", type: ownerReference, repeated: true },
    14: { name: "finalizers", type: "string", repeated: true },
  },
};

// RBAC mode's authentication and authorization requests: kubectl sends `create token`, `auth can-i` and
// `auth whoami` as protobuf (k8s.io/api authentication/v1 and authorization/v1 generated.proto).
const resourceAttributes: MessageSpec = {
  fields: {
    1: { name: "namespace", type: "string" },
    2: { name: "verb", type: "string" },
    3: { name: "group", type: "string" },
    4: { name: "version", type: "string" },
    5: { name: "resource", type: "string" },
    6: { name: "subresource", type: "string" },
    7: { name: "name", type: "string" },
  },
};
const nonResourceAttributes: MessageSpec = { fields: { 1: { name: "path", type: "string" }, 2: { name: "verb", type: "string" } } };
const subjectAccessReview: MessageSpec = {
  fields: {
    1: { name: "metadata", type: objectMeta },
    2: {
      name: "spec",
      type: {
        fields: {
          1: { name: "resourceAttributes", type: resourceAttributes },
          2: { name: "nonResourceAttributes", type: nonResourceAttributes },
          3: { name: "user", type: "string" },
          4: { name: "groups", type: "string", repeated: true },
          6: { name: "uid", type: "string" },
        },
      },
    },
  },
};
const AUTH_KINDS: Record<string, MessageSpec> = {
  "authentication.k8s.io/v1/TokenRequest": {
    fields: {
      1: { name: "metadata", type: objectMeta },
      2: { name: "spec", type: { fields: { 1: { name: "audiences", type: "string", repeated: true }, 4: { name: "expirationSeconds", type: "int" } } } },
    },
  },
  "authentication.k8s.io/v1/SelfSubjectReview": { fields: { 1: { name: "metadata", type: objectMeta } } },
  "authorization.k8s.io/v1/SelfSubjectAccessReview": {
    fields: {
      1: { name: "metadata", type: objectMeta },
      2: { name: "spec", type: { fields: { 1: { name: "resourceAttributes", type: resourceAttributes }, 2: { name: "nonResourceAttributes", type: nonResourceAttributes } } } },
    },
  },
  "authorization.k8s.io/v1/SelfSubjectRulesReview": {
    fields: { 1: { name: "metadata", type: objectMeta }, 2: { name: "spec", type: { fields: { 1: { name: "namespace", type: "string" } } } } },
  },
  "authorization.k8s.io/v1/SubjectAccessReview": subjectAccessReview,
  "authorization.k8s.io/v1/LocalSubjectAccessReview": subjectAccessReview,
};

/** Kinds we can decode, keyed by `apiVersion/kind`. */
const KINDS: Record<string, MessageSpec> = {
  "v1/Namespace": {
    fields: {
      1: { name: "metadata", type: objectMeta },
      2: { name: "spec", type: { fields: { 1: { name: "finalizers", type: "string", repeated: true } } } },
    },
  },
  "v1/ConfigMap": {
    fields: {
      1: { name: "metadata", type: objectMeta },
      2: { name: "data", type: { map: "string" } },
      3: { name: "binaryData", type: { map: "bytes" } },
      4: { name: "immutable", type: "bool" },
    },
  },
  "v1/Secret": {
    fields: {
      1: { name: "metadata", type: objectMeta },
      2: { name: "data", type: { map: "bytes" } },
      3: { name: "type", type: "string" },
      4: { name: "stringData", type: { map: "string" } },
      5: { name: "immutable", type: "bool" },
    },
  },
  ...AUTH_KINDS,
};

interface WireField {
  number: number;
  wireType: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ProtobufDecodeError("truncated varint");
      const byte = buf[pos++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(readVarint());
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === 0) fields.push({ number, wireType, varint: readVarint() });
    else if (wireType === 2) {
      const len = Number(readVarint());
      if (pos + len > buf.length) throw new ProtobufDecodeError("truncated field");
      fields.push({ number, wireType, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
  }
  return fields;
}

const utf8 = new TextDecoder();

function decodeMessage(buf: Uint8Array, spec: MessageSpec): JsonObject {
  const out: JsonObject = {};
  for (const f of readFields(buf)) {
    const fieldSpec = spec.fields[f.number];
    if (!fieldSpec) continue;
    const value = decodeValue(f, fieldSpec);
    // gogo-protobuf writes empty strings, zero numbers and zero times for non-pointer fields;
    // JSON (omitempty) would not carry them.
    if (value === undefined || (!fieldSpec.repeated && (value === "" || value === 0 || value === false))) continue;
    if (typeof fieldSpec.type === "object" && "map" in fieldSpec.type) {
      const target = isObject(out[fieldSpec.name]) ? (out[fieldSpec.name] as JsonObject) : {};
      if (isObject(value)) Object.assign(target, value);
      out[fieldSpec.name] = target;
    } else if (fieldSpec.repeated) {
      const list = Array.isArray(out[fieldSpec.name]) ? (out[fieldSpec.name] as JsonValue[]) : [];
      list.push(value);
      out[fieldSpec.name] = list;
    } else out[fieldSpec.name] = value;
  }
  return out;
}

function decodeValue(f: WireField, spec: FieldSpec): JsonValue | undefined {
  const t = spec.type;
  if (t === "int") return f.varint === undefined ? undefined : Number(BigInt.asIntN(64, f.varint));
  if (t === "bool") return f.varint === undefined ? undefined : f.varint !== 0n;
  if (!f.bytes) return undefined;
  if (t === "string") return utf8.decode(f.bytes);
  if (t === "bytes") return Buffer.from(f.bytes).toString("base64");
  if (t === "time") {
    const m = decodeMessage(f.bytes, time);
    const seconds = typeof m["seconds"] === "number" ? m["seconds"] : 0;
    if (seconds <= 0) return undefined;
    return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  }
  if ("map" in t) {
    const entry = readFields(f.bytes);
    const key = entry.find((e) => e.number === 1)?.bytes;
    const val = entry.find((e) => e.number === 2)?.bytes ?? new Uint8Array();
    if (!key) return undefined;
    return { [utf8.decode(key)]: t.map === "bytes" ? Buffer.from(val).toString("base64") : utf8.decode(val) };
  }
  return decodeMessage(f.bytes, t);
}

/** Decode a `k8s\0`-prefixed runtime.Unknown body into a JSON object, or throw. */
export function decodeKubernetesProtobuf(body: Uint8Array): JsonObject {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw new ProtobufDecodeError("missing k8s protobuf prefix");
  const unknown = readFields(body.subarray(4));
  const typeMeta = unknown.find((f) => f.number === 1)?.bytes;
  const raw = unknown.find((f) => f.number === 2)?.bytes;
  if (!typeMeta || !raw) throw new ProtobufDecodeError("not a runtime.Unknown envelope");
  const tm = decodeMessage(typeMeta, { fields: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } } });
  const apiVersion = typeof tm["apiVersion"] === "string" ? tm["apiVersion"] : "";
  const kind = typeof tm["kind"] === "string" ? tm["kind"] : "";
  const spec = KINDS[`${apiVersion}/${kind}`];
  if (!spec) throw new ProtobufDecodeError(`protobuf decoding of ${apiVersion}/${kind} is not supported`);
  return { apiVersion, kind, ...decodeMessage(raw, spec) };
}
