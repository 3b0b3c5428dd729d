/** Structured logs: pino, one JSON event per line (or pretty for people), with the rollout's namespace/name. */
import { pino, type Logger } from "pino";

export type LogFormat = "json" | "pretty";

export function createLogger(level: string, format: LogFormat, destination: NodeJS.WritableStream = process.stderr): Logger {
  if (format === "pretty") {
    // pino-pretty is a dev dependency of pino users; without it we keep to compact readable lines ourselves.
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
  }
  return pino({ level, base: { component: "sluice" }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
}
