// Every CRD we ship (third-party ones here, the product ones in crds/ when present) passes the
// server's CRD validation and serves its resources after a preload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startApiServer } from "../../src/sandbox/apiserver/index.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";

const productDir = fileURLToPath(new URL("../../crds/", import.meta.url));
const productFiles = existsSync(productDir) ? readdirSync(productDir).filter((f) => f.endsWith(".yaml")).map((f) => join(productDir, f)) : [];

test("shipped CRDs are accepted and served", async () => {
  const server = await startApiServer({ preload: [...allThirdPartyCrdFiles, ...productFiles], simulation: false });
  try {
    const expectations: [string, string][] = [
      ["/apis/gateway.networking.k8s.io/v1", "httproutes"],
      ["/apis/networking.istio.io/v1beta1", "virtualservices"],
      ["/apis/networking.istio.io/v1", "destinationrules"],
      ["/apis/split.smi-spec.io/v1alpha2", "trafficsplits"],
      ["/apis/split.smi-spec.io/v1alpha3", "trafficsplits"],
      ["/apis/split.smi-spec.io/v1alpha4", "trafficsplits"],
    ];
    if (productFiles.length > 0) expectations.push(["/apis/sluice.dev/v1alpha1", "rollouts"]);
    for (const [path, resource] of expectations) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200, path);
      const body = (await res.json()) as { resources: { name: string }[] };
      assert.ok(body.resources.some((r) => r.name === resource), `${path} serves ${resource}`);
    }
    const istio = (await (await fetch(`${server.url}/apis`)).json()) as { groups: { name: string; preferredVersion: { version: string } }[] };
    assert.equal(istio.groups.find((g) => g.name === "networking.istio.io")?.preferredVersion.version, "v1");
    assert.equal(istio.groups.find((g) => g.name === "split.smi-spec.io")?.preferredVersion.version, "v1alpha4");
  } finally {
    await server.stop();
  }
});
