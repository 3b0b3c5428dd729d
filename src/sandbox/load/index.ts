// Public surface of the sandbox's load generator: constant-rate open-loop requests and windowed client-side stats.
export { startLoad, DEFAULT_VERSION_HEADER, type LoadOptions, type RunningLoad } from "./generator.ts";
export { windowStats, summarize, UNKNOWN_VERSION, type LatencySummary, type LoadStats, type TimeWindow } from "./stats.ts";
export { isError, preciseNow, type LoadRecord } from "./record.ts";
export { loadTarget, LoadTargetError } from "./target.ts";
