/**
 * `npm run bench -- NAME [args]`: runs bench/NAME.ts with the rest of the arguments (each script's own comment
 * says which it takes). The scripts also run directly: node bench/NAME.ts [args].
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(import.meta.dirname).filter((f) => f.endsWith(".ts") && f !== "run.ts").map((f) => f.slice(0, -3));
const file = name === undefined ? undefined : join(import.meta.dirname, `${name}.ts`);
if (!file || !existsSync(file)) {
  process.stderr.write(`usage: npm run bench -- NAME [args]; NAME is one of: ${available.join(", ")}\n`);
  process.exit(2);
}
// The script reads its arguments from process.argv.slice(2), as when run directly.
process.argv = [process.argv[0] ?? "node", file, ...rest];
await import(pathToFileURL(file).href);
