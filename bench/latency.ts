/**
 * 2. Latency: sequential request() to the GM vs a raw socket.io ping-pong over the same kind of relay.
 * The contenders are interleaved request by request (order rotating), so drift in the machine's state hits
 * every contender alike.
 */
import type { SimClient } from "../test/harness/client";
import type { Peer } from "../test/harness/managers";
import {
  CHANNEL,
  closeAll,
  connectClients,
  EVENT,
  type Failure,
  failure,
  log,
  makePayload,
  rotate,
  startPeers,
  UNLIMITED,
} from "./common";
import type { RelayHost } from "./relay-control";
import { median, type Percentiles, round, summarize } from "./stats";
import { THROUGHPUT_USERS } from "./throughput";

export type LatencyContender = "raw" | "native" | "socketlib";

export interface LatencyRep {
  raw: Percentiles;
  native: Percentiles;
  socketlib: Percentiles;
  /** CPU of the benchmark process (both clients) per round trip, µs; the relay's share is not included. */
  cpuUsPerRoundTrip: Record<LatencyContender, number>;
}

export interface LatencyResult {
  requests: number;
  repetitions: number;
  payloadBytes: number;
  /** Medians over the repetitions of each percentile (ms). */
  raw: Percentiles;
  native: Percentiles;
  socketlib: Percentiles;
  /** Median over repetitions: CPU of the benchmark process per round trip (µs). */
  cpuUsPerRoundTrip: Record<LatencyContender, number>;
  /** Median over repetitions of (contender p / raw p), per percentile. */
  ratioToRaw: {
    native: { p50: number; p95: number; p99: number };
    socketlib: { p50: number; p95: number; p99: number };
  };
  reps: (LatencyRep | Failure)[];
}

interface Pinger {
  name: LatencyContender;
  /** One round trip; resolves with its duration in ms. */
  ping(i: number): Promise<number>;
  close(): void;
}

const PER_REQUEST_TIMEOUT_MS = 5_000;

async function rawPinger(host: RelayHost): Promise<Pinger> {
  const url = await host.start("lat-raw");
  const clients = await connectClients(url, THROUGHPUT_USERS);
  const [gm, player] = clients as [SimClient, SimClient];
  // The "GM" echoes every message straight back: the cheapest request/response socket.io allows.
  gm.socket.on(EVENT, (msg: unknown) => {
    gm.socket.emit(EVENT, msg);
  });
  let waiting: { i: number; resolve(): void } | null = null;
  player.socket.on(EVENT, (msg: { i?: unknown }) => {
    if (waiting && msg?.i === waiting.i) {
      const w = waiting;
      waiting = null;
      w.resolve();
    }
  });
  return {
    name: "raw",
    ping(i) {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = null;
          reject(new Error(`raw ping ${i} timed out`));
        }, PER_REQUEST_TIMEOUT_MS);
        const t0 = performance.now();
        waiting = {
          i,
          resolve: () => {
            clearTimeout(timer);
            resolve(performance.now() - t0);
          },
        };
        player.socket.emit(EVENT, makePayload(i));
      });
    },
    close: () => closeAll(clients),
  };
}

async function managerPinger(host: RelayHost, kind: "native" | "socketlib"): Promise<Pinger> {
  const url = await host.start(`lat-${kind}`);
  const clients = await connectClients(url, THROUGHPUT_USERS, { socketlib: kind === "socketlib" });
  const peers = await startPeers(clients, UNLIMITED);
  const [gm, player] = peers as [Peer, Peer];
  gm.api.channel(CHANNEL).handle("echo", (data) => data);
  const channel = player.api.channel(CHANNEL);
  return {
    name: kind,
    async ping(i) {
      const t0 = performance.now();
      await channel.request("echo", makePayload(i), { timeout: PER_REQUEST_TIMEOUT_MS });
      return performance.now() - t0;
    },
    close: () => closeAll(clients, peers),
  };
}

export async function benchLatency(
  host: RelayHost,
  opts: { requests: number; repetitions: number; warmup: number },
): Promise<LatencyResult> {
  const pingers: Pinger[] = [];
  try {
    pingers.push(await rawPinger(host));
    pingers.push(await managerPinger(host, "native"));
    pingers.push(await managerPinger(host, "socketlib"));
    log(`latency: warm-up (${opts.warmup} round trips each)`);
    for (let i = 0; i < opts.warmup; i++) for (const p of rotate(pingers, i)) await p.ping(i);

    const reps: (LatencyRep | Failure)[] = [];
    for (let rep = 0; rep < opts.repetitions; rep++) {
      const samples: Record<LatencyContender, number[]> = { raw: [], native: [], socketlib: [] };
      const cpu: Record<LatencyContender, number> = { raw: 0, native: 0, socketlib: 0 };
      try {
        for (let i = 0; i < opts.requests; i++) {
          for (const p of rotate(pingers, i + rep)) {
            const c0 = process.cpuUsage();
            samples[p.name].push(await p.ping(i));
            const c = process.cpuUsage(c0);
            cpu[p.name] += c.user + c.system;
          }
        }
        const perTrip = (name: LatencyContender) => round(cpu[name] / opts.requests, 1);
        const r: LatencyRep = {
          cpuUsPerRoundTrip: {
            raw: perTrip("raw"),
            native: perTrip("native"),
            socketlib: perTrip("socketlib"),
          },
          raw: roundAll(summarize(samples.raw)),
          native: roundAll(summarize(samples.native)),
          socketlib: roundAll(summarize(samples.socketlib)),
        };
        reps.push(r);
        log(
          `latency ${rep + 1}/${opts.repetitions}: p50 raw ${r.raw.p50} ms, native ${r.native.p50} ms, ` +
            `socketlib ${r.socketlib.p50} ms`,
        );
      } catch (e) {
        reps.push(failure(e));
        log(`latency ${rep + 1}/${opts.repetitions} FAILED: ${failure(e).error}`);
      }
    }
    const good = reps.filter((r): r is LatencyRep => !("error" in r));
    const med = (name: LatencyContender): Percentiles =>
      roundAll({
        p50: median(good.map((r) => r[name].p50)),
        p95: median(good.map((r) => r[name].p95)),
        p99: median(good.map((r) => r[name].p99)),
        mean: median(good.map((r) => r[name].mean)),
        max: median(good.map((r) => r[name].max)),
      });
    const ratios = (name: "native" | "socketlib") => ({
      p50: round(median(good.map((r) => r[name].p50 / r.raw.p50))),
      p95: round(median(good.map((r) => r[name].p95 / r.raw.p95))),
      p99: round(median(good.map((r) => r[name].p99 / r.raw.p99))),
    });
    return {
      requests: opts.requests,
      repetitions: opts.repetitions,
      payloadBytes: JSON.stringify(makePayload(1000)).length,
      raw: med("raw"),
      native: med("native"),
      socketlib: med("socketlib"),
      cpuUsPerRoundTrip: {
        raw: median(good.map((r) => r.cpuUsPerRoundTrip.raw)),
        native: median(good.map((r) => r.cpuUsPerRoundTrip.native)),
        socketlib: median(good.map((r) => r.cpuUsPerRoundTrip.socketlib)),
      },
      ratioToRaw: { native: ratios("native"), socketlib: ratios("socketlib") },
      reps,
    };
  } finally {
    for (const p of pingers) p.close();
  }
}

function roundAll(p: Percentiles): Percentiles {
  return {
    p50: round(p.p50, 3),
    p95: round(p.p95, 3),
    p99: round(p.p99, 3),
    mean: round(p.mean, 3),
    max: round(p.max, 3),
  };
}
