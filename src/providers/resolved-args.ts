/** Building ResolvedArgs, and how a message names one argument (the Secret it came from, never its value). */
import { ARG_PLACEHOLDER } from "../api/metric.ts";
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

/**
 * `text` with every {{args.NAME}} replaced as written (no escaping: a URL, a header, a body), or the first arg
 * without a value. `where` names the field in that message.
 */
export function fillArgs(text: string, args: ResolvedArgs, where = "provider.web"): { ok: true; text: string } | { ok: false; message: string } {
  let missing: string | undefined;
  const filled = text.replace(ARG_PLACEHOLDER, (whole, name: string) => {
    const value = args.values.get(name);
    if (value === undefined) missing ??= name;
    return value ?? whole;
  });
  return missing === undefined ? { ok: true, text: filled } : { ok: false, message: `argument "${missing}" is used in ${where} but has no value` };
}
