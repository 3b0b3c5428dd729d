/**
 * File snapshots under test/cli/snapshots/, compared exactly. UPDATE_SNAPSHOTS=1 rewrites them (review the
 * diff before committing); a missing snapshot fails rather than being written silently.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const DIR = join(import.meta.dirname, "snapshots");

export function matchSnapshot(name: string, actual: string): void {
  const file = join(DIR, `${name}.txt`);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `no snapshot ${file}; run with UPDATE_SNAPSHOTS=1 to write it, then review it`);
  assert.equal(actual, readFileSync(file, "utf8"), `${name} differs from ${file} (UPDATE_SNAPSHOTS=1 to accept)`);
}
