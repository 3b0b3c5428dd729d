/** Structured logs: pino, one JSON event per line, or pino-pretty lines for people; always with the rollout's namespace/name. */
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import { REDACTION } from "./log-redaction.ts";

export type LogFormat = "json" | "pretty";

export function createLogger(level: string, format: LogFormat, destination: NodeJS.WritableStream & { fd?: number } = process.stderr): Logger {
  // Credentials never reach the output, whatever a log call passes (log-redaction.ts).
  const options = { level, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) }, ...REDACTION };
  if (format === "pretty") {
    const colorize = Boolean((destination as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR;
    // Synchronous stream (no worker thread), so the last lines before an exit are not lost.
    return pino({ ...options, base: undefined }, pretty({ colorize, sync: true, destination: destination.fd ?? 2, ignore: "pid,hostname" }));
  }
  return pino({ ...options, base: { component: "sluice" } }, destination);
}
