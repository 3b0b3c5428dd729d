/** `npm run crds`: regenerate crds/*.yaml from the zod schemas. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderCrdFiles } from "./render.ts";

const dir = join(import.meta.dirname, "..", "..", "..", "crds");
mkdirSync(dir, { recursive: true });
for (const [name, content] of renderCrdFiles()) {
  writeFileSync(join(dir, name), content);
  console.log(`wrote crds/${name}`);
}
