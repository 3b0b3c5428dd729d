/** The controller's V8 memory profile is set in one value, shipped twice: deploy/base/controller-deployment.yaml and the Dockerfile. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { shippedControllerNodeOptions } from "../../bench/scale/processes.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

test("the Dockerfile sets the NODE_OPTIONS deploy/base/controller-deployment.yaml ships (and the scale benches measure)", () => {
  const shipped = shippedControllerNodeOptions();
  assert.ok(shipped.some((f) => f.startsWith("--max-semi-space-size=")) && shipped.some((f) => f.startsWith("--max-old-space-size=")));
  const docker = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
  assert.deepEqual(docker?.[1]?.split(" "), shipped);
});
