/**
 * What an import could not carry over. A `dropped` note means behaviour is lost (the command exits 1 so a
 * pipeline notices); an `info` note explains a change that keeps the behaviour (a field sluice does not need).
 */
export type ImportNote = { severity: "dropped" | "info"; path: string; message: string };

export type Json = Record<string, unknown>;

export class Notes {
  readonly list: ImportNote[] = [];
  dropped(path: string, message: string): void {
    this.list.push({ severity: "dropped", path, message });
  }
  info(path: string, message: string): void {
    this.list.push({ severity: "info", path, message });
  }
}

export const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
export const asRecord = (v: unknown): Json => (isRecord(v) ? v : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Copy the fields sluice knows (translated by `known`), and note every other field of `source`: with the
 * reason from `reasons` when there is one. An unknown field is behaviour we cannot vouch for, so it is dropped.
 */
export function translateFields(
  source: Json,
  path: string,
  notes: Notes,
  known: Record<string, (value: unknown) => unknown>,
  reasons: Record<string, { severity: "dropped" | "info"; message: string }> = {},
): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    const translate = known[key];
    if (translate) {
      const translated = translate(value);
      if (translated !== undefined) out[key] = translated;
      continue;
    }
    const reason = reasons[key];
    if (reason?.severity === "info") notes.info(`${path}.${key}`, reason.message);
    else notes.dropped(`${path}.${key}`, reason?.message ?? "no sluice equivalent");
  }
  return out;
}

export const same = (value: unknown): unknown => value;

/** Durations: Argo and Flagger write "30s"/"5m" or a bare number of seconds; sluice takes both forms. */
export function duration(value: unknown): unknown {
  return typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
}
