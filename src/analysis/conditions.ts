/**
 * Success and failure conditions on a measured value: a structured threshold ({max}, {min}) or a CEL expression
 * over `result` (@bufbuild/cel; never eval). `result` is a number when the query returned one value (a scalar or
 * a one-element vector) and a list of numbers when it returned several; an expression that only indexes or
 * iterates it (Argo's "result[0] >= 0.95") gets one value as a one-element list. A threshold on a list holds when it holds
 * for every element. An expression that cannot be evaluated, or does not give a boolean, is an error with the
 * reason, never a pass.
 */
import { isCelError, run, type CelInput } from "@bufbuild/cel";
import { resultUse } from "../api/condition-expression.ts";
import type { JsonValue } from "../util/json.ts";
import type { MetricCondition } from "../api/metric.ts";

/** A query's number(s), or (provider.web) the JSON value an HTTP answer gave: a CEL condition reads it as is. */
export type ConditionValue = number | readonly number[] | { readonly json: JsonValue };

export const isJsonValue = (value: ConditionValue): value is { readonly json: JsonValue } => typeof value === "object" && !Array.isArray(value);

export type ConditionOutcome = { readonly kind: "holds" } | { readonly kind: "fails" } | { readonly kind: "error"; readonly message: string };

export function describeCondition(condition: MetricCondition): string {
  if (typeof condition === "string") return condition;
  const parts = [condition.min !== undefined ? `min ${condition.min}` : "", condition.max !== undefined ? `max ${condition.max}` : ""];
  return parts.filter((p) => p !== "").join(", ");
}

function thresholdHolds(threshold: { min?: number | undefined; max?: number | undefined }, value: number): boolean {
  if (Number.isNaN(value)) return false;
  if (threshold.min !== undefined && !(value >= threshold.min)) return false;
  if (threshold.max !== undefined && !(value <= threshold.max)) return false;
  return true;
}

function celHint(message: string, value: number | readonly number[]): string {
  if (typeof value === "number" && /index|no such overload|unsupported|not found/i.test(message)) {
    return `${message} (result is a number here because the query returned one value; write e.g. "result < 0.01")`;
  }
  if (typeof value !== "number" && /no such overload|unsupported/i.test(message)) {
    return `${message} (result is a list of ${value.length} values here; write e.g. "result.all(x, x < 0.01)")`;
  }
  return message;
}

function describeJson(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A web answer: a threshold needs a number; CEL reads the value (numbers, strings, booleans, lists, maps). */
function evaluateJson(condition: MetricCondition, json: JsonValue): ConditionOutcome {
  if (typeof condition !== "string") {
    if (typeof json !== "number") return { kind: "error", message: `a threshold {min, max} needs a number, and the answer is ${describeJson(json)} (${JSON.stringify(json)}); write a CEL condition such as "result == true", or point jsonPath at a number` };
    return thresholdHolds(condition, json) ? { kind: "holds" } : { kind: "fails" };
  }
  return runCel(condition, json, undefined);
}

function runCel(condition: string, result: CelInput, value: number | readonly number[] | undefined): ConditionOutcome {
  let outcome: unknown;
  try {
    outcome = run(condition, { result });
  } catch (error) {
    return { kind: "error", message: `cannot evaluate "${condition}": ${error instanceof Error ? error.message : String(error)}` };
  }
  if (isCelError(outcome)) {
    const message = outcome.message.split("\n")[0] ?? outcome.message;
    return { kind: "error", message: `cannot evaluate "${condition}": ${value === undefined ? message : celHint(message, value)}` };
  }
  if (typeof outcome !== "boolean") {
    return { kind: "error", message: `"${condition}" must give true or false, got ${typeof outcome === "bigint" ? outcome.toString() : JSON.stringify(outcome) ?? String(outcome)}` };
  }
  return outcome ? { kind: "holds" } : { kind: "fails" };
}

export function evaluateCondition(condition: MetricCondition, value: ConditionValue): ConditionOutcome {
  if (isJsonValue(value)) return evaluateJson(condition, value.json);
  const values = typeof value === "number" ? [value] : value;
  if (typeof condition !== "string") {
    return values.every((v) => thresholdHolds(condition, v)) ? { kind: "holds" } : { kind: "fails" };
  }
  const use = resultUse(condition);
  const asList = typeof value !== "number" || ("asList" in use && use.asList && !use.asNumber);
  return runCel(condition, asList ? [...values] : value, value);
}
