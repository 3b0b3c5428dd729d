/**
 * Argo Rollouts conditions are expr-lang expressions over `result` (a Prometheus vector is a list there, so
 * they read `result[0]`). sluice takes a threshold or a CEL expression, where one value is a number (and
 * `result[0]` works on it too).
 */
import { conditionExpressionProblem } from "../../api/condition-expression.ts";
import type { MetricCondition } from "../../api/metric.ts";

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:e-?\d+)?)`;
const RESULT = String.raw`result(?:\[0\])?`;

/** undefined = the expression uses something with no CEL equivalent here; the caller reports it. */
export function translateCondition(expression: string): MetricCondition | undefined {
  const text = expression.trim();
  // "result[0] >= 0.95" and "result[0] <= 0.01" are exactly thresholds (a threshold's bound is inclusive).
  const atLeast = new RegExp(`^${RESULT}\\s*>=\\s*${NUMBER}$`).exec(text) ?? new RegExp(`^${NUMBER}\\s*<=\\s*${RESULT}$`).exec(text);
  if (atLeast?.[1]) return { min: Number(atLeast[1]) };
  const atMost = new RegExp(`^${RESULT}\\s*<=\\s*${NUMBER}$`).exec(text) ?? new RegExp(`^${NUMBER}\\s*>=\\s*${RESULT}$`).exec(text);
  if (atMost?.[1]) return { max: Number(atMost[1]) };
  const logic = text
    .replace(/\band\b/g, "&&")
    .replace(/\bor\b/g, "||")
    .replace(/\bnot\s+/g, "!")
    .replace(/\blen\(/g, "size(");
  // Only what means the same in both languages: numbers, strings, result with fields and indexes (a web
  // answer's result.data.ok), size(), comparisons and logic.
  // String literals ('It worked!', as web metrics compare) are the same in both languages.
  const rest = logic.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "").replace(/\bresult(?:\.[A-Za-z_]\w*|\[\d+\])*|\bsize\(|\btrue\b|\bfalse\b|-?\d+(\.\d+)?(e-?\d+)?/g, "");
  if (!/^[\s<>=!&|()+\-*/]*$/.test(rest)) return undefined;
  // "result[0] > 0.05" reads better as "result > 0.05" (one value is a number); beside size(result) the list
  // form stays, since sluice gives an expression result as one type (both forms work on one value).
  const simpler = logic.replace(/result\[0\]/g, "result");
  return conditionExpressionProblem(simpler) === undefined ? simpler : logic;
}
