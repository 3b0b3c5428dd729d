/**
 * Entry point: `node src/sandbox/demo-app/main.ts` with PORT, ERROR_RATE, LATENCY_MS, TAIL_LATENCY_MS,
 * TAIL_FRACTION, POD_TEMPLATE_HASH. Prints `listening on <port>` once ready (tests read it); exits on SIGTERM,
 * and with EXIT_ON_STDIN_END=1 also when stdin reaches EOF (the sandbox's workload runner holds the pipe).
 */
import { demoConfigFrom, DemoConfigError } from "./config.ts";
import { startDemoApp } from "./server.ts";

try {
  const config = demoConfigFrom(process.env);
  if (config.exitOnStdinEnd) {
    // Parent gone = pipe closed: no orphan survives a crashed or SIGKILLed sandbox. Exit at once, no drain.
    process.stdin.on("end", () => process.exit(0));
    process.stdin.on("error", () => process.exit(0));
    process.stdin.resume();
  }
  const app = await startDemoApp(config);
  process.stdout.write(`listening on ${app.port}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (error) {
  process.stderr.write(`demo-app: ${error instanceof DemoConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
