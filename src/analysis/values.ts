/** Turning a query result into the value conditions see, and into the text a measurement stores. */
import type { QueryResult } from "../providers/types.ts";
import { isJsonValue, type ConditionValue } from "./conditions.ts";

/** "0.0123", "NaN", "+Inf", "-Inf": Prometheus' own spelling, so stored values read like Prometheus output. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(Number(value.toPrecision(12)));
}

export function formatConditionValue(value: ConditionValue): string {
  if (isJsonValue(value)) return typeof value.json === "number" ? formatNumber(value.json) : JSON.stringify(value.json);
  return typeof value === "number" ? formatNumber(value) : `[${value.map(formatNumber).join(", ")}]`;
}

export type InstantValues =
  | { readonly kind: "values"; readonly value: ConditionValue; readonly all: readonly number[] }
  | { readonly kind: "empty" }
  | { readonly kind: "unsupported"; readonly message: string };

/** The latest value of each series of an instant query; a number for one value, a list for several. */
export function instantValues(result: QueryResult): InstantValues {
  if (result.resultType === "string") return { kind: "unsupported", message: "the query returned a string; it must return a number (scalar or vector)" };
  if (result.resultType === "matrix") {
    return { kind: "unsupported", message: "the query returned a range vector (matrix); drop the [range] or wrap it in a function such as rate()" };
  }
  const all = result.series.map((s) => s.points[s.points.length - 1]?.[1]).filter((v): v is number => v !== undefined);
  if (all.length === 0) return { kind: "empty" };
  return { kind: "values", value: all.length === 1 ? (all[0] ?? Number.NaN) : all, all };
}
