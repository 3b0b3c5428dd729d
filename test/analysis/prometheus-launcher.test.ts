/** The real-Prometheus launcher: starts on 127.0.0.1, picks up targets added at runtime (file SD), stops cleanly. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { demoConfigFrom } from "../../src/sandbox/demo-app/config.ts";
import { startDemoApp } from "../../src/sandbox/demo-app/server.ts";
import { prometheusInstalled, startPrometheus } from "../../src/sandbox/prometheus.ts";

const skip = prometheusInstalled() ? false : "prometheus is not installed (apt-get install -y prometheus)";

describe("startPrometheus", { skip, timeout: 60_000 }, () => {
  it("scrapes a target added while running, with its labels, then stops", async () => {
    const app = await startDemoApp(demoConfigFrom({ PORT: "0", POD_TEMPLATE_HASH: "launcher" }));
    const prometheus = await startPrometheus({ scrapeInterval: "1s" });
    try {
      assert.match(prometheus.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      await prometheus.setTargets([{ address: `127.0.0.1:${app.port}`, labels: { side: "canary" } }]);
      const deadline = Date.now() + 30_000;
      let found: unknown[] = [];
      while (Date.now() < deadline && found.length === 0) {
        const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent('http_requests_total{side="canary", rollouts_pod_template_hash="launcher"}')}`;
        const body = (await (await fetch(url)).json()) as { data?: { result?: unknown[] } };
        found = body.data?.result ?? [];
        if (found.length === 0) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(found.length, 2, "both zero-initialised counters (200 and 500) are scraped");
    } finally {
      await prometheus.stop();
      await app.close();
    }
    await assert.rejects(fetch(`${prometheus.url}/-/ready`));
  });

  it("leaves no temporary directory behind", async () => {
    const prometheus = await startPrometheus();
    assert.ok(existsSync(prometheus.directory));
    await prometheus.stop();
    assert.match(prometheus.version, /^\d+\.\d+\.\d+/);
    assert.equal(existsSync(prometheus.directory), false);
  });
});
