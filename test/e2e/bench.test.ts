/**
 * `npm run bench -- --json` keeps its promise: stdout is exactly one JSON object holding every figure and
 * ratio, progress goes to stderr, and it exits 0. A --quick run of every section, the two Chromium tabs
 * included, checks the shape, never the speed (timing belongs to the benchmark itself).
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { moduleFiles } from "../../scripts/chunks";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLE = join(REPO, "dist", "socket-manager.js");

interface Target {
  id: string;
  met: boolean | null;
}

interface BridgeSection {
  roundTrips: number;
  ws: { p50: number; p99: number };
  bridge: { p50: number; p99: number };
  ratioToWs: { p50: number; p99: number };
  reps: unknown[];
}

/** The shape of section 10, never its speed: both contenders measured, the ratio their quotient. */
function expectBridgeSection(b: BridgeSection, roundTrips: number): void {
  expect(b.roundTrips).toBe(roundTrips);
  expect(b.reps.every((r) => !(r && typeof r === "object" && "error" in r))).toBe(true);
  for (const p of [b.ws.p50, b.ws.p99, b.bridge.p50, b.bridge.p99]) expect(p).toBeGreaterThan(0);
  expect(b.ws.p99).toBeGreaterThanOrEqual(b.ws.p50);
  // One repetition in --quick: the ratio is exactly the quotient of the two p50s (rounded).
  expect(b.ratioToWs.p50).toBeCloseTo(b.bridge.p50 / b.ws.p50, 1);
}

function runBench(args: string[]) {
  if (!existsSync(BUNDLE)) throw new Error("dist/ is missing: `npm test` builds before vitest");
  return spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 240_000,
  });
}

describe("npm run bench -- --json", () => {
  it("prints one JSON object with the figures, the ratios and the targets; progress goes to stderr", () => {
    const run = runBench(["--json", "--quick", "--no-build"]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & {
      throughput: { patterns: Record<string, { ratioToRaw: { native: number; socketlib: number } }> };
      pipeline: {
        messagesPerSecond: Record<string, number>;
        gcShare: Record<string, number>;
        codecFloor: { inProcessCeiling: number };
      };
      bundle: {
        minifiedBytes: number;
        gzipBytes: number;
        lazy: { file: string }[];
        library?: { start: { minifiedBytes: number } };
      };
      latency: { native: { p50: number } };
      fanout: { ratioToRaw: { native: number } };
      coalescing: { streams: Record<string, { delivered: number }> };
      memory: { delivered: number; messages: number };
      browser: {
        ratioToRaw: number;
        messagesPerSecond: Record<string, number>;
        lostRuns: Record<string, number>;
        pipeline: { messagesPerSecond: number };
      };
      shared: { bytes: { whole: number; shared: number }; lateJoiner: { rawMs: number; sharedMs: number } };
      bridge: BridgeSection;
      requests: { requests: number; frames: number; framesPerRequest: number; unbatchedFrames: number };
      targets: Target[];
    };
    expect(run.stdout.trim().startsWith("{") && run.stdout.trim().endsWith("}")).toBe(true);
    expect(run.stderr).toContain("== 1. throughput");

    for (const pattern of ["chunked", "burst"]) {
      const ratios = report.throughput.patterns[pattern]?.ratioToRaw;
      expect(ratios?.native).toBeGreaterThan(0);
      expect(ratios?.socketlib).toBeGreaterThan(0);
    }
    expect(report.pipeline.messagesPerSecond.chunked).toBeGreaterThan(0);
    expect(report.pipeline.codecFloor.inProcessCeiling).toBeGreaterThan(0);
    // A burst of 20,000 messages allocates well past the young generation: some of its time is collection.
    expect(report.pipeline.gcShare.burst).toBeGreaterThan(0);
    expect(report.pipeline.gcShare.burst).toBeLessThan(1);
    expect(report.pipeline.gcShare.chunked).toBeGreaterThanOrEqual(0);
    // The core: the entry and the chunks it imports statically, the lazy chunks apart.
    const { core, lazy } = moduleFiles(dirname(BUNDLE), basename(BUNDLE));
    expect(report.bundle.minifiedBytes).toBe(
      core.reduce((n, f) => n + statSync(join(dirname(BUNDLE), f)).size, 0),
    );
    expect(report.bundle.lazy.map((c) => c.file).sort()).toEqual([...lazy].sort());
    expect(report.bundle.library?.start.minifiedBytes).toBeGreaterThan(0);
    expect(report.bundle.gzipBytes).toBeLessThan(report.bundle.minifiedBytes);

    const ids = report.targets.map((t) => t.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "throughput-chunked",
        "throughput-burst",
        "bundle-min",
        "bundle-gzip",
        "pipeline-chunked",
      ]),
    );
    for (const t of report.targets) expect(typeof t.met).toBe("boolean");
    expect(report.latency.native.p50).toBeGreaterThan(0);
    expect(report.fanout.ratioToRaw.native).toBeGreaterThan(0);
    expect(report.coalescing.streams.raw?.delivered).toBeGreaterThan(0);
    expect(report.memory.delivered).toBe(report.memory.messages);
    // The two Chromium tabs, driven without DevTools' Network domain (bench/cdp.ts).
    expect(report.browser.messagesPerSecond.raw).toBeGreaterThan(0);
    expect(report.browser.messagesPerSecond.native).toBeGreaterThan(0);
    expect(report.browser.pipeline.messagesPerSecond).toBeGreaterThan(0);
    // Runs lost to a dropped socket are counted, never silently averaged in.
    expect(report.browser.lostRuns).toEqual({ raw: expect.any(Number), native: expect.any(Number) });
    expect(report.shared.bytes.shared).toBeGreaterThan(0);
    expect(report.shared.bytes.whole).toBeGreaterThan(report.shared.bytes.shared);
    expect(report.shared.lateJoiner.sharedMs).toBeGreaterThan(0);
    expect(ids).toEqual(
      expect.arrayContaining([
        "throughput-browser",
        "pipeline-browser",
        "latency-p50",
        "shared-bytes",
        "shared-late-joiner",
        "bridge-rtt-p50",
      ]),
    );
    expectBridgeSection(report.bridge, 200);
    // Batched requests: every request answered, in far fewer frames than a request and a reply each.
    expect(report.requests.requests).toBe(1_000);
    expect(report.requests.unbatchedFrames).toBe(2_000);
    expect(report.requests.frames).toBeGreaterThan(0);
    expect(report.requests.framesPerRequest).toBeLessThan(0.5);
    expect(ids).toEqual(expect.arrayContaining(["library-start", "library-total"]));
  }, 300_000);

  it("runs the bridge section alone: the SDK's round trips against a bare ws echo, and its target", () => {
    const run = runBench(["--json", "--quick", "--no-build", "--only", "bridge"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain("== 10. bridge");
    const report = JSON.parse(run.stdout) as { bridge: BridgeSection; latency: unknown; targets: Target[] };
    expect(report.latency).toBeNull();
    expectBridgeSection(report.bridge, 200);
    expect(report.targets.map((t) => t.id)).toEqual(["bridge-rtt-p50"]);
    expect(typeof report.targets[0]?.met).toBe("boolean");
  }, 120_000);

  it("a section asked for alone leaves the others null, not missing: the object always has the same keys", () => {
    const run = runBench(["--json", "--quick", "--no-build", "--only", "bundle"]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report).toHaveProperty("latency", null);
    expect(report).toHaveProperty("browser", null);
    expect(report).toHaveProperty("bridge", null);
    expect(report.bundle).not.toBeNull();
  });

  it("refuses an unknown section instead of running something else", () => {
    const run = runBench(["--json", "--only", "warp-drive"]);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("unknown section warp-drive");
  });
});
