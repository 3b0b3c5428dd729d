/**
 * Argument values for one measurement: literal values from the AnalysisRun (the controller resolved the
 * Rollout's fields and pod-template hashes), and `valueFrom.secretKeyRef` read now from the run's namespace, so
 * secret values never sit in the AnalysisRun. The result remembers which values came from a Secret, so no
 * message quotes them and take-measurements masks them in whatever Prometheus answers.
 */
import type { RolloutArg } from "../api/analysis-refs.ts";
import type { SecretReader } from "../providers/prometheus-connection.ts";
import type { ResolvedArgs, SecretSource } from "../providers/types.ts";

export type ArgsOutcome = { readonly ok: true; readonly args: ResolvedArgs } | { readonly ok: false; readonly message: string };

export async function resolveArgs(args: readonly RolloutArg[] | undefined, namespace: string, readSecret: SecretReader): Promise<ArgsOutcome> {
  const values = new Map<string, string>();
  const secrets = new Map<string, SecretSource>();
  for (const arg of args ?? []) {
    if (arg.value !== undefined) {
      values.set(arg.name, arg.value);
      continue;
    }
    const ref = arg.valueFrom?.secretKeyRef;
    if (!ref) continue; // declared without a value: a query that uses it reports the missing value by name
    const source: SecretSource = { namespace, name: ref.name, key: ref.key };
    try {
      const value = await readSecret(namespace, ref.name, ref.key);
      if (value === undefined) return { ok: false, message: `argument "${arg.name}": Secret ${namespace}/${ref.name} has no key "${ref.key}" (or does not exist)` };
      values.set(arg.name, value);
      secrets.set(arg.name, source);
    } catch (error) {
      return { ok: false, message: `argument "${arg.name}": cannot read Secret ${namespace}/${ref.name}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { ok: true, args: { values, secrets } };
}

/** The two hashes a compare metric needs, by the argument names the shipped templates declare. */
export const CANARY_HASH_ARG = "canary-pod-hash";
export const STABLE_HASH_ARG = "stable-pod-hash";
