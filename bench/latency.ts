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
  makePayload,
  startPeers,
  UNLIMITED,
} from "./common";
import type { RelayHost } from "./relay-control";
import {
  echoWaiter,
  medianCpu,
  medianPercentiles,
  medianRatios,
  succeeded,
  type Tripper,
  type TripRep,
  tripSeries,
} from "./round-trips";
import type { Percentiles } from "./stats";
import { THROUGHPUT_USERS } from "./throughput";

export type LatencyContender = "raw" | "native" | "socketlib";

/** One repetition: each contender's percentiles and CPU per round trip (of both clients; not the relay's). */
export type LatencyRep = TripRep<LatencyContender>;

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

interface Pinger extends Tripper<LatencyContender> {
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
  const waiter = echoWaiter(PER_REQUEST_TIMEOUT_MS);
  player.socket.on(EVENT, (msg: { i?: unknown }) => waiter.answered(msg?.i));
  return {
    name: "raw",
    trip: (i) => waiter.trip(i, `raw ping ${i}`, () => player.socket.emit(EVENT, makePayload(i))),
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
    async trip(i) {
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
    const reps = await tripSeries("latency", pingers, {
      trips: opts.requests,
      repetitions: opts.repetitions,
      warmup: opts.warmup,
    });
    const good = succeeded(reps);
    return {
      requests: opts.requests,
      repetitions: opts.repetitions,
      payloadBytes: JSON.stringify(makePayload(1000)).length,
      raw: medianPercentiles(good, "raw"),
      native: medianPercentiles(good, "native"),
      socketlib: medianPercentiles(good, "socketlib"),
      cpuUsPerRoundTrip: medianCpu(good, ["raw", "native", "socketlib"]),
      ratioToRaw: {
        native: medianRatios(good, "native", "raw"),
        socketlib: medianRatios(good, "socketlib", "raw"),
      },
      reps,
    };
  } finally {
    for (const p of pingers) p.close();
  }
}
