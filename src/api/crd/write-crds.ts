/**
 * `npm run crds`: regenerate crds/*.yaml from the zod schemas, and their copy in deploy/crds/ (kustomize loads
 * nothing from outside the kustomization's directory, so `kubectl apply -k deploy/` needs its own).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderCrdFiles } from "./render.ts";

const root = join(import.meta.dirname, "..", "..", "..");
for (const dir of ["crds", join("deploy", "crds")]) {
  mkdirSync(join(root, dir), { recursive: true });
  for (const [name, content] of renderCrdFiles()) {
    writeFileSync(join(root, dir, name), content);
    console.log(`wrote ${dir}/${name}`);
  }
}
