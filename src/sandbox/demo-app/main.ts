/**
 * Entry point: `node src/sandbox/demo-app/main.ts` with PORT, ERROR_RATE, LATENCY_MS, TAIL_LATENCY_MS,
 * TAIL_FRACTION, POD_TEMPLATE_HASH. Prints `listening on <port>` once ready (tests read it); exits on SIGTERM.
 */
import { demoConfigFrom, DemoConfigError } from "./config.ts";
import { startDemoApp } from "./server.ts";

try {
  const app = await startDemoApp(demoConfigFrom(process.env));
  process.stdout.write(`listening on ${app.port}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (error) {
  process.stderr.write(`demo-app: ${error instanceof DemoConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
