/** Building ResolvedArgs, and how a message names one argument (the Secret it came from, never its value). */
import type { ResolvedArgs, SecretSource } from "./types.ts";

/** Values typed by the user (AnalysisRun spec, `sluice analyze --arg`): nothing secret among them. */
export function literalArgs(values: Iterable<readonly [string, string]> | Readonly<Record<string, string>> = []): ResolvedArgs {
  const entries = Symbol.iterator in values ? [...(values as Iterable<readonly [string, string]>)] : Object.entries(values);
  return { values: new Map(entries), secrets: new Map() };
}

export function describeSecret(source: SecretSource): string {
  return `Secret ${source.namespace}/${source.name} key "${source.key}"`;
}

/** `argument "token" (from Secret ns/name key "k")`, or `argument "window"` for a literal value. */
export function describeArgument(name: string, args: ResolvedArgs): string {
  const source = args.secrets.get(name);
  return source ? `argument "${name}" (from ${describeSecret(source)})` : `argument "${name}"`;
}
