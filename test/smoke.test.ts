import { test } from "node:test";
import assert from "node:assert/strict";

test("runs on Node >= 22.19 (type stripping, client-node 2.x)", () => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  assert.ok(major > 22 || (major === 22 && minor >= 19), `node ${process.versions.node} is too old`);
});
