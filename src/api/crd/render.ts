/** Render the CRDs as the YAML files checked in under crds/ (one file per kind). */
import { stringify } from "yaml";
import { allCrds } from "./definitions.ts";

export const CRD_HEADER = "# Generated from the zod schemas in src/api by `npm run crds`. Do not edit by hand.\n";

/** file name -> file content */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const crd of allCrds()) {
    files.set(`${crd.metadata.name}.yaml`, CRD_HEADER + stringify(crd, { lineWidth: 0 }));
  }
  return files;
}
