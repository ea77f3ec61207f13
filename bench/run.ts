/**
 * `npm run bench` — Socket Manager's benchmark over real socket.io on 127.0.0.1, relay in a forked process.
 *
 *   npm run bench                  human tables on stdout, progress on stderr
 *   npm run bench -- --json        one JSON object on stdout (nothing else), progress on stderr
 *   options: --quick (small counts, a smoke test)
 *            --only throughput,latency,fanout,coalescing,inproc,bundle,browser,shared,bridge,requests
 *            --out FILE (also write the JSON there) · --md FILE (also write the tables there)
 *            --no-build (never rebuild dist/)
 *
 * See docs/BENCHMARKS.md for the method and the latest figures.
 */
import { spawnSync } from "node:child_process";
import { Console } from "node:console";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONFIG } from "../src/config";
import { type BridgeBenchResult, benchBridge, bridgeSection } from "./bridge";
import { type BrowserThroughputResult, benchBrowser } from "./browser";
import { BUNDLE, type BundleResult, measureBundle } from "./bundle";
import { benchCoalesce, type CoalesceResult } from "./coalesce";
import { CHUNK, elapsedSeconds, type Failure, failure, log, PAYLOAD_BYTES } from "./common";
import { benchFanout, type FanoutResult } from "./fanout";
import { runInproc } from "./inproc";
import type { InprocResult } from "./inproc-child";
import { benchLatency, type LatencyResult } from "./latency";
import { measureLibrary } from "./library";
import { forkRelayHost } from "./relay-control";
import { type RequestsResult, runRequests } from "./requests";
import { benchShared, type SharedResult } from "./shared";
import { bytes, fixed, int, ratio, round, table } from "./stats";
import { benchThroughput, type ThroughputResult } from "./throughput";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECTIONS = [
  "throughput",
  "latency",
  "fanout",
  "coalescing",
  "inproc",
  "bundle",
  "browser",
  "shared",
  "bridge",
  "requests",
] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  json: boolean;
  quick: boolean;
  only: Set<Section>;
  out: string | null;
  md: string | null;
  build: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    json: false,
    quick: false,
    only: new Set(SECTIONS),
    out: null,
    md: null,
    build: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") opts.json = true;
    else if (a === "--quick") opts.quick = true;
    else if (a === "--no-build") opts.build = false;
    else if (a === "--out") opts.out = argv[++i] ?? null;
    else if (a === "--md") opts.md = argv[++i] ?? null;
    else if (a === "--only") {
      const list = (argv[++i] ?? "").split(",").filter(Boolean);
      for (const s of list)
        if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s}`);
      opts.only = new Set(list as Section[]);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

/** Sizes: the issue's figures, or small ones for --quick. */
function sizes(quick: boolean) {
  return quick
    ? {
        throughput: { messages: 10_000, repetitions: 1, warmup: 2_000, timeoutMs: 30_000 },
        latency: { requests: 200, repetitions: 1, warmup: 50 },
        fanout: {
          messages: 500,
          repetitions: 1,
          warmup: 100,
          timeoutMs: 30_000,
          pattern: "chunked" as const,
        },
        coalescing: { repetitions: 1 },
        inproc: ["--pipeline-messages", "20000", "--pipeline-reps", "1", "--memory-messages", "50000"],
        browser: { messages: 10_000, repetitions: 1, warmup: 2_000, pipelineMessages: 20_000 },
        shared: { players: 4, hz: 60, seconds: 2, lateJoinerBytes: 1024 * 1024, repetitions: 1 },
        bridge: { roundTrips: 200, repetitions: 1, warmup: 200 },
        requests: 1_000,
      }
    : {
        throughput: { messages: 100_000, repetitions: 7, warmup: 20_000, timeoutMs: 60_000 },
        latency: { requests: 2_000, repetitions: 5, warmup: 1_000 },
        fanout: {
          messages: 5_000,
          repetitions: 7,
          warmup: 1_000,
          timeoutMs: 60_000,
          pattern: "chunked" as const,
        },
        coalescing: { repetitions: 3 },
        inproc: ["--pipeline-messages", "200000", "--pipeline-reps", "5", "--memory-messages", "1000000"],
        browser: { messages: 100_000, repetitions: 5, warmup: 20_000, pipelineMessages: 200_000 },
        shared: { players: 20, hz: 60, seconds: 10, lateJoinerBytes: 1024 * 1024, repetitions: 5 },
        bridge: { roundTrips: 2_000, repetitions: 5, warmup: 2_000 },
        requests: 10_000,
      };
}

/** Newest modification time under a folder (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Rebuilds dist/ when it is missing or older than its inputs (build output goes to stderr, never stdout). */
function ensureBuild(): void {
  const inputs = ["src", "lang", "templates", "styles", "module.json", "package.json", "vite.config.ts"]
    .map((p) => join(ROOT, p))
    .filter((p) => existsSync(p))
    .map((p) => (statSync(p).isDirectory() ? newest(p) : statSync(p).mtimeMs));
  const stale = !existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < Math.max(...inputs);
  if (!stale) return;
  log("dist/ is missing or older than src/: building");
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/vite/bin/vite.js"), "build"], {
    cwd: ROOT,
    stdio: ["ignore", 2, 2],
  });
  if (r.status !== 0) throw new Error(`vite build failed (${r.status})`);
}

/** Busy and total CPU seconds of the whole machine so far (Linux /proc/stat; null elsewhere). */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return null;
  }
}

function machine() {
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    cpuModel,
    cpuMHz: os.cpus()[0]?.speed ?? null,
    cores: os.availableParallelism(),
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

interface Target {
  id: string;
  description: string;
  target: string;
  actual: string;
  met: boolean | null;
  /** For a missed target: how far off. */
  shortfall?: string;
}

function atLeast(id: string, description: string, actual: number, goal: number, unit: string): Target {
  const met = Number.isFinite(actual) ? actual >= goal : null;
  return {
    id,
    description,
    target: `≥ ${goal}${unit}`,
    actual: `${fixed(actual)}${unit}`,
    met,
    ...(met === false
      ? { shortfall: `${fixed(goal / actual)}× short (${fixed((100 * (goal - actual)) / goal, 0)}% below)` }
      : {}),
  };
}

function atMost(id: string, description: string, actual: number, goal: number, unit: string): Target {
  const met = Number.isFinite(actual) ? actual <= goal : null;
  return {
    id,
    description,
    target: `≤ ${goal}${unit}`,
    actual: `${fixed(actual)}${unit}`,
    met,
    ...(met === false
      ? {
          shortfall: `${fixed(actual / goal)}× the limit (${fixed((100 * (actual - goal)) / goal, 0)}% over)`,
        }
      : {}),
  };
}

type Maybe<T> = T | Failure | null;
const good = <T extends object>(x: Maybe<T>): x is T => x !== null && !("error" in x);

interface Report {
  benchmark: "socket-manager";
  date: string;
  command: string;
  machine: ReturnType<typeof machine>;
  method: Record<string, string>;
  durationSeconds: number;
  /** How busy the machine was with other work during the run (the benchmark is sensitive to it). */
  load: {
    loadavgStart: number[];
    loadavgEnd: number[];
    machineBusyCpuSeconds: number | null;
    benchmarkCpuSeconds: number;
    otherProcessesCpuSeconds: number | null;
  } | null;
  throughput: Maybe<ThroughputResult>;
  latency: Maybe<LatencyResult>;
  fanout: Maybe<FanoutResult>;
  coalescing: Maybe<CoalesceResult>;
  memory: Maybe<InprocResult["memory"]>;
  outbox: Maybe<InprocResult["outbox"]>;
  pipeline: Maybe<InprocResult["pipeline"]>;
  bundle: Maybe<BundleResult>;
  browser: Maybe<BrowserThroughputResult>;
  shared: Maybe<SharedResult>;
  bridge: Maybe<BridgeBenchResult>;
  requests: Maybe<RequestsResult>;
  targets: Target[];
}

function targets(r: Report): Target[] {
  const out: Target[] = [];
  if (good(r.throughput)) {
    for (const p of ["chunked", "burst"] as const) {
      out.push(
        atLeast(
          `throughput-${p}`,
          `native throughput ÷ raw one-message-per-emit (${p})`,
          r.throughput.patterns[p].ratioToRaw.native,
          4,
          "×",
        ),
      );
    }
  }
  if (good(r.latency)) {
    out.push(
      atMost(
        "latency-p50",
        "request() RTT p50 ÷ raw ping-pong p50 (native)",
        r.latency.ratioToRaw.native.p50,
        1.25,
        "×",
      ),
    );
  }
  if (good(r.coalescing)) {
    out.push(
      atLeast(
        "coalescing-frames",
        "frames cut by coalesce keys (same stream, default options, without keys)",
        r.coalescing.cuts.normalKeyedVsNormal.frames,
        10,
        "×",
      ),
      atLeast(
        "coalescing-frames-wide",
        `frames cut by coalesce keys with batchTimeout ${r.coalescing.wideBatchTimeoutMs} ms (a GM setting), same stream without keys`,
        r.coalescing.cuts.wideKeyedVsNormal.frames,
        10,
        "×",
      ),
      atLeast(
        "coalescing-frames-vs-raw",
        "frames cut vs one socket message per update (raw)",
        r.coalescing.cuts.lowKeyedVsRaw.frames,
        10,
        "×",
      ),
    );
  }
  if (good(r.shared)) {
    out.push(
      atLeast(
        "shared-bytes",
        `bytes of whole-state emits ÷ shared-state patches (one field of ${Math.round(r.shared.stateBytes / 1024)} KB at ${r.shared.hz} Hz to ${r.shared.players} players, section 9)`,
        r.shared.bytesRatio,
        20,
        "×",
      ),
      atMost(
        "shared-late-joiner",
        "time for a late joiner to hold a 1 MB shared state ÷ one raw 1 MB emit (section 9)",
        r.shared.lateJoiner.ratio,
        2,
        "×",
      ),
    );
  }
  if (good(r.browser)) {
    out.push(
      atLeast(
        "throughput-browser",
        "native throughput ÷ raw one-message-per-emit, two Chromium clients (section 8)",
        r.browser.ratioToRaw,
        10,
        "×",
      ),
      atLeast(
        "pipeline-browser",
        "in-process pipeline, local transport, in Chromium (section 8, chunked)",
        r.browser.pipeline.messagesPerSecond / 1000,
        500,
        "k msg/s",
      ),
    );
  }
  if (good(r.bridge)) {
    out.push(
      atMost(
        "bridge-rtt-p50",
        "bridge request() RTT p50 ÷ bare ws echo p50 (section 10)",
        r.bridge.ratioToWs.p50,
        1.5,
        "×",
      ),
    );
  }
  if (good(r.memory)) {
    out.push(
      atMost("heap-growth", "heap growth after 1M messages (after GC)", r.memory.growthBytes / 1e6, 5, " MB"),
    );
  }
  if (good(r.bundle)) {
    out.push(
      atMost("bundle-min", "core loaded at start, minified", r.bundle.minifiedBytes / 1000, 40, " kB"),
      atMost("bundle-gzip", "core loaded at start, gzip -9", r.bundle.gzipBytes / 1000, 12, " kB"),
    );
    if (r.bundle.library) {
      const lib = r.bundle.library;
      out.push(
        atMost(
          "library-start",
          "a package bundling the library (on/emit/request): loaded at start, minified",
          lib.start.minifiedBytes / 1000,
          25,
          " kB",
        ),
        atMost(
          "library-total",
          "the same package, embedded instance included, minified",
          (lib.start.minifiedBytes + lib.lazy.reduce((n, c) => n + c.minifiedBytes, 0)) / 1000,
          25,
          " kB",
        ),
      );
    }
  }
  if (good(r.pipeline)) {
    for (const p of ["chunked", "burst"] as const) {
      out.push(
        atLeast(
          `pipeline-${p}`,
          `in-process pipeline, local transport (${p})`,
          r.pipeline.messagesPerSecond[p] / 1000,
          500,
          "k msg/s",
        ),
      );
    }
  }
  return out;
}

function human(r: Report): string {
  const parts: string[] = [];
  const m = r.machine;
  parts.push(
    `# Socket Manager benchmark — ${r.date}`,
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (V8 ${m.v8}), ${m.platform}; ${r.durationSeconds} s`,
  );
  if (r.load) {
    parts.push(
      `Load average ${r.load.loadavgStart.join(" ")} at start; other processes used ` +
        `${r.load.otherProcessesCpuSeconds ?? "n/a"} CPU-s during the run (the benchmark: ${r.load.benchmarkCpuSeconds} CPU-s).`,
    );
  }
  if (good(r.throughput)) {
    const t = r.throughput;
    const rows: string[][] = [];
    for (const p of ["chunked", "burst"] as const) {
      const pr = t.patterns[p];
      for (const name of ["raw", "native", "socketlib"] as const) {
        const c = pr.contenders[name];
        rows.push([
          p,
          name === "raw" ? "raw socket.io, 1 msg/emit" : `Socket Manager, ${name}`,
          int(c.messagesPerSecond),
          `${int(c.range[0])}–${int(c.range[1])}`,
          name === "raw" ? "1.00×" : ratio(pr.ratioToRaw[name]),
          int(c.framesPerRun),
          fixed(c.bytesPerMessage, 0),
          fixed(c.relayCpuUsPerMessage),
          fixed(c.clientCpuUsPerMessage),
        ]);
      }
    }
    parts.push(
      `\n## 1. Throughput A → B: ${int(t.messages)} messages of ${t.payloadBytes} B, median of ${t.repetitions}`,
      table(
        [
          "pattern",
          "contender",
          "msg/s",
          "range",
          "÷ raw",
          "frames",
          "wire B/msg",
          "relay µs/msg",
          "clients µs/msg",
        ],
        rows,
      ),
    );
    if (good(t.defaultRateLimit)) {
      parts.push(
        `Default receive rate limit (${int(DEFAULT_CONFIG.rateLimit)}/s, burst ${int(DEFAULT_CONFIG.rateBurst)}), one native burst: ${int(t.defaultRateLimit.delivered)} delivered, ${int(t.defaultRateLimit.rateLimited)} refused as rate-limited.`,
      );
    }
  }
  if (good(r.latency)) {
    const l = r.latency;
    const row = (
      name: string,
      cpu: number,
      p: LatencyResult["raw"],
      rr?: { p50: number; p95: number; p99: number },
    ) => [
      name,
      fixed(p.p50, 3),
      fixed(p.p95, 3),
      fixed(p.p99, 3),
      rr ? ratio(rr.p50) : "1.00×",
      rr ? ratio(rr.p95) : "1.00×",
      rr ? ratio(rr.p99) : "1.00×",
      fixed(cpu, 1),
    ];
    parts.push(
      `\n## 2. Latency: ${int(l.requests)} sequential round trips to the GM, median of ${l.repetitions}`,
      table(
        [
          "contender",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "p50 ÷ raw",
          "p95 ÷ raw",
          "p99 ÷ raw",
          "client CPU µs/trip",
        ],
        [
          row("raw socket.io ping-pong", l.cpuUsPerRoundTrip.raw, l.raw),
          row("request(), native", l.cpuUsPerRoundTrip.native, l.native, l.ratioToRaw.native),
          row("request(), socketlib", l.cpuUsPerRoundTrip.socketlib, l.socketlib, l.ratioToRaw.socketlib),
        ],
      ),
    );
  }
  if (good(r.fanout)) {
    const f = r.fanout;
    parts.push(
      `\n## 3. Fan-out: 1 sender → ${f.receivers} receivers, ${int(f.messages)} messages (${f.pattern}), median of ${f.repetitions}`,
      table(
        ["contender", "deliveries/s", "÷ raw", "relay CPU per run"],
        [
          [
            "raw socket.io, 1 msg/emit",
            int(f.deliveriesPerSecond.raw),
            "1.00×",
            `${fixed(f.relayCpuMs.raw, 0)} ms`,
          ],
          [
            "Socket Manager, native",
            int(f.deliveriesPerSecond.native),
            ratio(f.ratioToRaw.native),
            `${fixed(f.relayCpuMs.native, 0)} ms`,
          ],
          [
            "Socket Manager, socketlib",
            int(f.deliveriesPerSecond.socketlib),
            ratio(f.ratioToRaw.socketlib),
            `${fixed(f.relayCpuMs.socketlib, 0)} ms`,
          ],
        ],
      ),
    );
  }
  if (good(r.coalescing)) {
    const c = r.coalescing;
    const label: Record<string, string> = {
      raw: "raw socket.io, 1 msg/update",
      normal: "SM, default options, no keys",
      "normal-keyed": "SM, default options + coalesce keys",
      low: "SM, low priority, no keys",
      "low-keyed": "SM, low priority, coalesce keys",
      "normal-keyed-wide": `SM, coalesce keys, batchTimeout ${c.wideBatchTimeoutMs} ms`,
    };
    parts.push(
      `\n## 4. Coalescing: ${c.tokens} tokens × ${c.hz} Hz × ${c.seconds} s = ${int(c.updatesSent)} updates (batchTimeout ${c.batchTimeoutMs} ms), median of ${c.repetitions}`,
      table(
        ["stream", "frames", "bytes", "messages delivered", "coalesced", "final positions"],
        Object.entries(c.streams).map(([name, s]) => [
          label[name] ?? name,
          int(s.frames),
          int(s.bytes),
          int(s.delivered),
          int(s.coalesced),
          `${s.finalPositionsCorrect}/${c.tokens}`,
        ]),
      ),
      `Keys vs the same stream without keys, default options: frames ${ratio(c.cuts.normalKeyedVsNormal.frames)}, bytes ${ratio(c.cuts.normalKeyedVsNormal.bytes)}, messages ${ratio(c.cuts.normalKeyedVsNormal.messages)}; ` +
        `both at low priority: frames ${ratio(c.cuts.lowKeyedVsLow.frames)}, bytes ${ratio(c.cuts.lowKeyedVsLow.bytes)}. Keyed vs raw: frames ${ratio(c.cuts.lowKeyedVsRaw.frames)}, bytes ${ratio(c.cuts.lowKeyedVsRaw.bytes)}. ` +
        `Keys with batchTimeout ${c.wideBatchTimeoutMs} ms vs the default stream without keys: frames ${ratio(c.cuts.wideKeyedVsNormal.frames)}, bytes ${ratio(c.cuts.wideKeyedVsNormal.bytes)}.`,
    );
  }
  if (good(r.memory) || good(r.outbox)) {
    const rows: string[][] = [];
    if (good(r.memory)) {
      const mm = r.memory;
      rows.push(
        ["heap before (after GC)", bytes(mm.heapBeforeBytes)],
        [`heap after ${int(mm.messages)} messages (after GC)`, bytes(mm.heapAfterBytes)],
        ["growth", bytes(mm.growthBytes)],
        ["peak above baseline during the run (no forced GC)", bytes(mm.peakAboveBaselineBytes)],
        ["delivered", `${int(mm.delivered)} in ${fixed(mm.ms / 1000)} s`],
      );
    }
    if (good(r.outbox)) {
      const o = r.outbox;
      rows.push(
        [
          `outbox after ${int(o.emitted)} emits while disconnected`,
          `${int(o.outboxDepth)} (outboxSize ${int(o.outboxSize)})`,
        ],
        ["dropped as outbox-overflow", int(o.droppedOverflow)],
        ["packets in socket.io's own (unbounded) buffer", int(o.socketIoBuffered)],
        ["heap growth during the outage (after GC)", bytes(o.heapGrowthBytes)],
        ["emit rate while disconnected", `${int(o.emitsPerSecond)}/s`],
      );
    }
    parts.push(
      "\n## 5. Memory (local transport) and the outbox under a long disconnect",
      table(["figure", "value"], rows),
    );
  }
  if (good(r.pipeline)) {
    const p = r.pipeline;
    parts.push(
      `\n## 6. In-process pipeline, local transport: ${int(p.messages)} messages, median of ${p.repetitions}`,
      table(
        ["pattern", "msg/s", "runs", "time in GC"],
        (["chunked", "burst"] as const).map((pattern) => [
          pattern,
          int(p.messagesPerSecond[pattern]),
          p.runs[pattern].map(int).join(", "),
          `${fixed(p.gcShare[pattern] * 100, 1)}%`,
        ]),
      ),
      `Codec floor (bench/floor.ts: the JSON work alone, ${p.codecFloor.perFrame} envelopes per frame): ` +
        `${fixed(p.codecFloor.inProcessUsPerMessage, 3)} µs per message in process, a ceiling of ${int(p.codecFloor.inProcessCeiling)} msg/s; ` +
        `${fixed(p.codecFloor.socketIoUsPerMessage, 3)} µs with socket.io's wrapping of each frame string, a ceiling of ${int(p.codecFloor.socketIoCeiling)} msg/s for both clients in one process.`,
    );
  }
  if (good(r.bundle)) {
    parts.push(
      "\n## 7. Bundle",
      table(
        ["file", "minified", "gzip -9"],
        [
          ...r.bundle.coreFiles.map((c) => [
            `${c.file} (core)`,
            `${int(c.minifiedBytes)} B`,
            `${int(c.gzipBytes)} B`,
          ]),
          ["core, loaded at start", `${int(r.bundle.minifiedBytes)} B`, `${int(r.bundle.gzipBytes)} B`],
          ...r.bundle.lazy.map((c) => [
            `${c.file} (on first use)`,
            `${int(c.minifiedBytes)} B`,
            `${int(c.gzipBytes)} B`,
          ]),
        ],
      ),
    );
    if (r.bundle.library) {
      const lib = r.bundle.library;
      parts.push(
        "A package that bundles the library and only uses on, emit and request (bench/library-consumer.ts, built with vite):",
        table(
          ["part", "minified", "gzip -9"],
          [
            [
              `at start: ${lib.start.file}`,
              `${int(lib.start.minifiedBytes)} B`,
              `${int(lib.start.gzipBytes)} B`,
            ],
            ...lib.lazy.map((c) => [
              `without the module: ${c.file}`,
              `${int(c.minifiedBytes)} B`,
              `${int(c.gzipBytes)} B`,
            ]),
          ],
        ),
      );
    }
    if (r.bundle.bySource.length > 0) {
      parts.push(
        `Largest sources (minified characters, via the source map): ${r.bundle.bySource
          .slice(0, 8)
          .map((s) => `${s.source} ${int(s.bytes)}`)
          .join(", ")}.`,
      );
    }
  }
  if (good(r.browser)) {
    const b = r.browser;
    parts.push(
      `\n## 8. Throughput between two Chromium clients: ${int(b.messages)} messages (chunked), median of ${b.repetitions}`,
      table(
        ["contender", "msg/s", "runs", "÷ raw"],
        [
          [
            "raw socket.io, 1 msg/emit",
            int(b.messagesPerSecond.raw),
            b.runs.raw.map(int).join(", "),
            "1.00×",
          ],
          [
            "Socket Manager, native",
            int(b.messagesPerSecond.native),
            b.runs.native.map(int).join(", "),
            ratio(b.ratioToRaw),
          ],
        ],
      ),
      `Chromium ${b.browser}, headless; each client its own tab (renderer process) running dist/socket-manager.js; relay and page server in a process of their own, with socket.io's default heartbeat. ` +
        `Section 6 in a third tab (local mode, ${int(b.pipeline.messages)} messages, chunked): ${int(b.pipeline.messagesPerSecond)} msg/s (runs ${b.pipeline.runs.map(int).join(", ")}).` +
        ` Runs repeated because a page's socket was dropped meanwhile: raw ${b.lostRuns.raw}, Socket Manager ${b.lostRuns.native}.`,
    );
  }
  if (good(r.shared)) {
    const h = r.shared;
    parts.push(
      `\n## 9. Shared state: one field of a ${int(h.stateBytes)} B state changed at ${h.hz} Hz for ${h.seconds} s (${int(h.updates)} updates) to ${h.players} players, in virtual time`,
      table(
        ["stream", "frames", "bytes through the relay"],
        [
          ["raw socket.io, the whole state each tick", int(h.frames.whole), int(h.bytes.whole)],
          [
            "Socket Manager, channel.shared() (50 ms patch window)",
            int(h.frames.shared),
            int(h.bytes.shared),
          ],
        ],
      ),
      `Bytes ${ratio(h.bytesRatio)} fewer. A late joiner holds a ${int(h.lateJoiner.stateBytes)} B state in ${fixed(h.lateJoiner.sharedMs, 1)} ms against ${fixed(h.lateJoiner.rawMs, 1)} ms for one raw emit of it (${ratio(h.lateJoiner.ratio)}, median of ${h.lateJoiner.repetitions}, socket.io on 127.0.0.1).`,
    );
  }
  if (good(r.bridge)) parts.push(bridgeSection(r.bridge));
  if (good(r.requests)) {
    const q = r.requests;
    parts.push(
      `\n## 11. Batched requests: ${int(q.requests)} concurrent requests from a player to the GM (in-memory relay, virtual time)`,
      table(
        ["contender", "frames", "frames per request"],
        [
          ["one message per request and per reply", int(q.unbatchedFrames), "2"],
          ["Socket Manager", int(q.frames), fixed(q.framesPerRequest, 4)],
        ],
      ),
      `All answered in ${int(q.virtualMs)} virtual ms; ${fixed(q.wallMs, 0)} ms of real time in this process for both clients and the relay.`,
    );
  }
  const failed = (
    [
      "throughput",
      "latency",
      "fanout",
      "coalescing",
      "memory",
      "outbox",
      "pipeline",
      "bundle",
      "browser",
      "shared",
      "bridge",
      "requests",
    ] as const
  )
    .map((k) => [k, r[k]] as const)
    .filter(([, v]) => v !== null && "error" in v);
  for (const [k, v] of failed) parts.push(`\n**${k} FAILED:** ${(v as Failure).error}`);
  parts.push(
    "\n## Targets",
    table(
      ["target", "goal", "actual", "met", "shortfall"],
      r.targets.map((t) => [
        t.description,
        t.target,
        t.actual,
        t.met === null ? "n/a" : t.met ? "yes" : "NO",
        t.shortfall ?? "",
      ]),
    ),
  );
  return `${parts.join("\n")}\n`;
}

/** Stdout carries the report and nothing else: stray console output (ours, src's, the harness's) goes to stderr. */
function keepStdoutClean(): void {
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  for (const method of [
    "log",
    "info",
    "debug",
    "dir",
    "table",
    "trace",
    "group",
    "groupCollapsed",
  ] as const) {
    (console as unknown as Record<string, unknown>)[method] = toStderr[method].bind(toStderr);
  }
}

async function main(): Promise<number> {
  keepStdoutClean();
  const opts = parseArgs(process.argv.slice(2));
  const n = sizes(opts.quick);
  const unhandled: string[] = [];
  process.on("unhandledRejection", (e) => {
    unhandled.push(failure(e).error);
    log(`unhandled rejection: ${failure(e).error}`);
  });
  if (opts.build) ensureBuild();

  const report: Report = {
    benchmark: "socket-manager",
    date: new Date().toISOString(),
    command: `npm run bench${opts.json ? " -- --json" : ""}`,
    machine: machine(),
    method: {
      transport:
        "real socket.io 4 over 127.0.0.1 (websocket); relay = test/harness/relay.ts in a forked process",
      clients: "every simulated client (test/harness/client.ts) in the benchmark process",
      contenders: "one relay per contender, so one contender's broadcasts never reach another's clients",
      alternation: "contenders alternate within each repetition (rotating order); medians over repetitions",
      sendPatterns: `chunked = ${CHUNK} messages per macrotask (setImmediate between chunks); burst = one synchronous loop`,
      payload: `~${PAYLOAD_BYTES} B of JSON per message (a token update)`,
      rateLimit:
        "throughput, fan-out, latency and in-process runs raise the receive rate limit (rateLimit/rateBurst 10,000,000); everything else is default",
    },
    durationSeconds: 0,
    load: null,
    throughput: null,
    latency: null,
    fanout: null,
    coalescing: null,
    memory: null,
    outbox: null,
    pipeline: null,
    bundle: null,
    browser: null,
    shared: null,
    bridge: null,
    requests: null,
    targets: [],
  };

  const loadStart = os.loadavg().map((v) => round(v));
  if ((loadStart[0] ?? 0) > 0.5)
    log(`warning: load average ${loadStart[0]} at start: other work may skew the figures`);
  const cpuStart = machineCpu();
  let childCpuMs = 0;
  const needsRelay = ["throughput", "latency", "fanout", "coalescing", "browser"].some((s) =>
    opts.only.has(s as Section),
  );
  const host = needsRelay ? await forkRelayHost() : null;
  try {
    if (host && opts.only.has("throughput")) {
      log("== 1. throughput");
      report.throughput = await benchThroughput(host, n.throughput).catch(failure);
    }
    if (host && opts.only.has("latency")) {
      log("== 2. latency");
      report.latency = await benchLatency(host, n.latency).catch(failure);
    }
    if (host && opts.only.has("fanout")) {
      log("== 3. fan-out");
      report.fanout = await benchFanout(host, n.fanout).catch(failure);
    }
    if (host && opts.only.has("coalescing")) {
      log("== 4. coalescing (real time: 5 s per repetition)");
      report.coalescing = await benchCoalesce(host, n.coalescing).catch(failure);
    }
    if (host && opts.only.has("browser")) {
      log("== 8. throughput between two Chromium clients (Debian's chromium, the sandbox's client page)");
      // Chromium's processes are the benchmark's own work: count the machine's busy time during the section
      // (less this process's and the relay process's, which are counted apart).
      const before = machineCpu();
      const ownBefore = process.cpuUsage();
      const hostBefore = await host.cpuMs();
      report.browser = await benchBrowser(host, n.browser).catch(failure);
      const after = machineCpu();
      const own = process.cpuUsage(ownBefore);
      const hostMs = (await host.cpuMs()) - hostBefore;
      if (before && after)
        childCpuMs += Math.max(
          0,
          (after.busy - before.busy) * 1000 - (own.user + own.system) / 1000 - hostMs,
        );
    }
  } finally {
    childCpuMs += (await host?.cpuMs().catch(() => 0)) ?? 0;
    await host?.stop();
  }
  if (opts.only.has("inproc")) {
    log("== 5/6. memory, outbox and in-process pipeline (child process with --expose-gc)");
    try {
      const r = await runInproc(n.inproc);
      report.memory = r.memory;
      report.outbox = r.outbox;
      report.pipeline = r.pipeline;
      childCpuMs += r.cpuMs;
    } catch (e) {
      report.memory = report.outbox = report.pipeline = failure(e);
    }
  }
  if (opts.only.has("bundle")) {
    log("== 7. bundle");
    try {
      report.bundle = measureBundle();
      report.bundle.library = await measureLibrary();
    } catch (e) {
      report.bundle = failure(e);
    }
  }
  if (opts.only.has("shared")) {
    log("== 9. shared state (patches in virtual time; a late joiner over socket.io)");
    report.shared = await benchShared(n.shared).catch(failure);
  }
  if (opts.only.has("bridge")) {
    log("== 10. bridge round trip (the Node SDK and the module's bridge client, against a bare ws echo)");
    report.bridge = await benchBridge(n.bridge).catch(failure);
  }
  if (opts.only.has("requests")) {
    log("== 11. batched requests (10,000 at once, in virtual time)");
    report.requests = await runRequests(n.requests).catch(failure);
  }
  report.targets = targets(report);
  const cpuEnd = machineCpu();
  const own = process.cpuUsage();
  const benchmarkCpuSeconds = round((own.user + own.system) / 1e6 + childCpuMs / 1000, 1);
  const busy = cpuStart && cpuEnd ? round(cpuEnd.busy - cpuStart.busy, 1) : null;
  report.load = {
    loadavgStart: loadStart,
    loadavgEnd: os.loadavg().map((v) => round(v)),
    machineBusyCpuSeconds: busy,
    benchmarkCpuSeconds,
    otherProcessesCpuSeconds: busy === null ? null : round(Math.max(0, busy - benchmarkCpuSeconds), 1),
  };
  report.durationSeconds = round(elapsedSeconds(), 1);
  const json = JSON.stringify(report, null, 2);
  if (opts.out) writeFileSync(opts.out, `${json}\n`);
  if (opts.md) writeFileSync(opts.md, human(report));
  process.stdout.write(opts.json ? `${json}\n` : human(report));
  log(`done in ${report.durationSeconds} s`);
  const anyFailure =
    unhandled.length > 0 ||
    Object.values(report).some((v) => v !== null && typeof v === "object" && "error" in v);
  return anyFailure ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 2;
  },
);
