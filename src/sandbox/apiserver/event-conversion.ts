// core/v1 Event and events.k8s.io/v1 Event are two views of one stored object on a real
// cluster (sheet §11.2): an event written through either API is listed by both. Storage here is
// the core shape; these functions convert to and from the events.k8s.io shape.
import type { JsonObject } from "../../util/json.ts";

/** events.k8s.io/v1 field ↔ core/v1 field. */
const RENAMES: readonly (readonly [string, string])[] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
  ["reportingController", "reportingComponent"],
];

function rename(obj: JsonObject, pairs: readonly (readonly [string, string])[], apiVersion: string): JsonObject {
  const out: JsonObject = { ...obj, apiVersion, kind: "Event" };
  for (const [from, to] of pairs) {
    if (from in out) {
      const value = out[from];
      delete out[from];
      if (value !== undefined) out[to] = value;
    }
  }
  return out;
}

export function eventToCore(obj: JsonObject): JsonObject {
  return rename(obj, RENAMES, "v1");
}

export function eventFromCore(obj: JsonObject): JsonObject {
  return rename(obj, RENAMES.map(([a, b]) => [b, a] as const), "events.k8s.io/v1");
}

/** Field selector paths of events.k8s.io expressed on the stored (core) shape. */
export function eventFieldToCore(field: string): string {
  for (const [from, to] of RENAMES) {
    if (field === from) return to;
    if (field.startsWith(`${from}.`)) return to + field.slice(from.length);
  }
  return field;
}
