/** The demo app: even spreading of errors and slow requests, metrics in the templates' conventions, config errors. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { demoConfigFrom } from "../../src/sandbox/demo-app/config.ts";
import { startDemoApp } from "../../src/sandbox/demo-app/server.ts";
import { EvenSpread } from "../../src/sandbox/demo-app/spread.ts";
import { PrometheusNotInstalledError, startPrometheus } from "../../src/sandbox/prometheus.ts";

describe("EvenSpread", () => {
  it("picks exactly floor(n·f) of the first n, for any fraction", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 2000 }), (f, n) => {
        const spread = new EvenSpread(f);
        let picked = 0;
        for (let i = 0; i < n; i++) if (spread.next()) picked++;
        assert.equal(picked, Math.floor(n * f));
      }),
      { numRuns: 200 },
    );
  });
});

describe("demo app", () => {
  it("answers 500 for ERROR_RATE of requests and exports the metrics with the hash label", async () => {
    const app = await startDemoApp(demoConfigFrom({ PORT: "0", ERROR_RATE: "0.25", POD_TEMPLATE_HASH: "h1" }));
    try {
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) codes.push((await fetch(`http://127.0.0.1:${app.port}/`)).status);
      assert.deepEqual(codes.filter((c) => c === 500).length, 2);
      assert.equal((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status, 200);
      const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
      assert.match(text, /http_requests_total\{code="200",rollouts_pod_template_hash="h1"\} 6/);
      assert.match(text, /http_requests_total\{code="500",rollouts_pod_template_hash="h1"\} 2/);
      assert.match(text, /http_request_duration_seconds_bucket\{le="0.5",rollouts_pod_template_hash="h1",code="200"\} 6/);
    } finally {
      await app.close();
    }
  });

  it("exports 200 and 500 counters at 0 before any request (an absent counter would make errors/total empty)", async () => {
    const app = await startDemoApp(demoConfigFrom({ PORT: "0" }));
    try {
      const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
      assert.match(text, /http_requests_total\{code="200"\} 0/);
      assert.match(text, /http_requests_total\{code="500"\} 0/);
    } finally {
      await app.close();
    }
  });

  it("adds TAIL_LATENCY_MS to TAIL_FRACTION of requests", async () => {
    const app = await startDemoApp(demoConfigFrom({ PORT: "0", TAIL_LATENCY_MS: "120", TAIL_FRACTION: "0.5" }));
    try {
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const started = Date.now();
        await (await fetch(`http://127.0.0.1:${app.port}/`)).text();
        times.push(Date.now() - started);
      }
      assert.equal(times.filter((t) => t >= 110).length, 2, times.join(","));
    } finally {
      await app.close();
    }
  });

  it("refuses bad settings with the variable's name", () => {
    assert.throws(() => demoConfigFrom({ ERROR_RATE: "5%" }), /ERROR_RATE must be a number from 0 to 1 \(got "5%"\)/);
  });
});

describe("Prometheus launcher", () => {
  it("says how to install Prometheus when the binary is missing", async () => {
    await assert.rejects(startPrometheus({ binary: "/nonexistent/prometheus" }), (error: unknown) => {
      assert.ok(error instanceof PrometheusNotInstalledError);
      assert.match(error.message, /apt-get install -y prometheus/);
      return true;
    });
  });
});
