/** Collect manifest files from the FILE|DIR arguments of a command (directories are walked recursively). */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { splitManifest, type ManifestDocument } from "../api/manifest-documents.ts";

const MANIFEST = /\.(ya?ml|json)$/;

export class InputPathError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "InputPathError";
  }
}

export function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, explicit: boolean) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new InputPathError(path, "no such file or directory");
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    } else if (explicit || MANIFEST.test(path)) files.push(path);
  };
  for (const path of paths) visit(path, true);
  return files;
}

/** Read and split every file; sources are shown relative to the working directory. */
export function readManifests(paths: string[]): ManifestDocument[] {
  return manifestFiles(paths).flatMap((file) => {
    const shown = relative(process.cwd(), file) || file;
    return splitManifest(shown, readFileSync(file, "utf8"));
  });
}
