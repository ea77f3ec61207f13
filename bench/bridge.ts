/**
 * 10. Bridge round trip: a backend's `bridge.request(kind, data)` (the Node SDK, bridge-sdk/) answered by the
 * GM's bridge client (src/bridge/client.ts, in this process, with `ws`'s WebSocket as the page's), against a bare
 * `ws` echo: a `ws` client sends a small JSON request and awaits its echo from a `ws` server. Both on
 * 127.0.0.1, one round trip at a time, interleaved trip by trip (order rotating) so the machine's drift hits
 * both alike.
 */
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { type Bridge, createBridge } from "../bridge-sdk/src/index";
import { BridgeClient } from "../src/bridge/client";
import type { BridgeSocketConstructor } from "../src/bridge/host";
import { systemClock } from "../src/clock";
import { DEFAULT_CONFIG } from "../src/config";
import type { Logger } from "../src/log";
import { type Failure, makePayload } from "./common";
import {
  echoWaiter,
  medianCpu,
  medianPercentiles,
  medianRatios,
  succeeded,
  type Tripper as TripperOf,
  type TripRep,
  tripSeries,
} from "./round-trips";
import { fixed, type Percentiles, ratio, table } from "./stats";

export type BridgeContender = "ws" | "bridge";

/** One repetition: each contender's percentiles and CPU per round trip (both ends). */
export type BridgeRep = TripRep<BridgeContender>;

export interface BridgeBenchResult {
  roundTrips: number;
  repetitions: number;
  payloadBytes: number;
  /** Medians over the repetitions of each percentile (ms). */
  ws: Percentiles;
  bridge: Percentiles;
  cpuUsPerRoundTrip: Record<BridgeContender, number>;
  /** Median over repetitions of (bridge p ÷ ws p). */
  ratioToWs: { p50: number; p95: number; p99: number };
  reps: (BridgeRep | Failure)[];
}

interface Tripper extends TripperOf<BridgeContender> {
  close(): Promise<void>;
}

const PER_TRIP_TIMEOUT_MS = 5_000;
const TOKEN = "bench-token";
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Bounded wait for a condition checked on each macrotask. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bridge bench: ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The baseline: the cheapest JSON request/response `ws` allows (the server echoes the text back). */
async function wsTripper(): Promise<Tripper> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (socket) => {
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  });
  const waiter = echoWaiter(PER_TRIP_TIMEOUT_MS);
  client.on("message", (data) => waiter.answered((JSON.parse(data.toString()) as { id?: unknown }).id));
  return {
    name: "ws",
    trip(i) {
      const id = `r${i.toString(36)}`;
      const request = JSON.stringify({ type: "request", id, kind: "echo", data: makePayload(i) });
      return waiter.trip(id, `ws echo ${i}`, () => client.send(request));
    },
    async close() {
      client.terminate();
      for (const s of server.clients) s.terminate();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The contender: the SDK's request, answered by the module's bridge client with a handler returning its data. */
async function bridgeTripper(): Promise<Tripper> {
  // The SDK's default rate limit (200 frames/s per connection) would refuse most answers of a tight loop: the
  // benchmark measures the round trip, not the guard. Pings are off on both sides, as the baseline has none.
  const bridge: Bridge = createBridge({
    token: TOKEN,
    pingInterval: 0,
    rateLimit: { perSecond: 10_000_000, burst: 10_000_000 },
  });
  const { url } = await bridge.ready;
  const client = new BridgeClient({
    clock: systemClock,
    log: quiet,
    limits: () => ({ ...DEFAULT_CONFIG, heartbeatInterval: 0 }),
    url: () => url,
    token: () => TOKEN,
    isAuthority: () => true,
    hello: () => ({ world: "bench-world", user: "gm", module: "bench" }),
    socketClass: () => WebSocket as unknown as BridgeSocketConstructor,
    notify: () => {},
  });
  client.handlers.add("echo", (data) => data);
  try {
    client.refresh();
    await until(() => client.state === "connected" && bridge.connections.length === 1, 10_000, "connected");
  } catch (e) {
    client.dispose();
    await bridge.close();
    throw e;
  }
  return {
    name: "bridge",
    async trip(i) {
      const t0 = performance.now();
      await bridge.request("echo", makePayload(i), { timeout: PER_TRIP_TIMEOUT_MS });
      return performance.now() - t0;
    },
    async close() {
      client.dispose();
      await bridge.close();
    },
  };
}

export async function benchBridge(opts: {
  roundTrips: number;
  repetitions: number;
  warmup: number;
}): Promise<BridgeBenchResult> {
  const trippers: Tripper[] = [];
  try {
    trippers.push(await wsTripper());
    trippers.push(await bridgeTripper());
    const reps = await tripSeries("bridge", trippers, {
      trips: opts.roundTrips,
      repetitions: opts.repetitions,
      warmup: opts.warmup,
    });
    const good = succeeded(reps);
    if (good.length === 0) throw new Error("bridge bench: every repetition failed");
    return {
      roundTrips: opts.roundTrips,
      repetitions: opts.repetitions,
      payloadBytes: JSON.stringify(makePayload(1000)).length,
      ws: medianPercentiles(good, "ws"),
      bridge: medianPercentiles(good, "bridge"),
      cpuUsPerRoundTrip: medianCpu(good, ["ws", "bridge"]),
      ratioToWs: medianRatios(good, "bridge", "ws"),
      reps,
    };
  } finally {
    for (const t of trippers) await t.close().catch(() => {});
  }
}

/** The section's tables for the human report. */
export function bridgeSection(b: BridgeBenchResult): string {
  const row = (name: string, p: Percentiles, cpu: number, vs?: BridgeBenchResult["ratioToWs"]) => [
    name,
    fixed(p.p50, 3),
    fixed(p.p95, 3),
    fixed(p.p99, 3),
    vs ? ratio(vs.p50) : "1.00×",
    vs ? ratio(vs.p99) : "1.00×",
    fixed(cpu, 1),
  ];
  return [
    `\n## 10. Bridge: ${b.roundTrips.toLocaleString("en-US")} sequential request round trips on 127.0.0.1, median of ${b.repetitions}`,
    table(
      ["contender", "p50 ms", "p95 ms", "p99 ms", "p50 ÷ ws", "p99 ÷ ws", "CPU µs/trip"],
      [
        row("bare ws echo (JSON request, awaited)", b.ws, b.cpuUsPerRoundTrip.ws),
        row(
          "bridge: SDK request → module's bridge client",
          b.bridge,
          b.cpuUsPerRoundTrip.bridge,
          b.ratioToWs,
        ),
      ],
    ),
    `Payload ~${b.payloadBytes} B of JSON. The bridge client (src/bridge/client.ts) runs in the benchmark process with \`ws\`'s WebSocket; the SDK's rate limit is raised and pings are off on both sides.`,
  ].join("\n");
}
