import { DEFAULT_CONFIG } from "../src/config";
/**
 * 1. Throughput A → B over real socket.io: raw one-message-per-emit vs Socket Manager (native, socketlib).
 */

import type { UserSpec } from "../test/harness/client";
import type { Peer } from "../test/harness/managers";
import {
  CHANNEL,
  Counter,
  closeAll,
  connectClients,
  cpuMsSince,
  EVENT,
  type Failure,
  failure,
  log,
  makePayload,
  rotate,
  type SendPattern,
  sendAll,
  settleBetweenRuns,
  startPeers,
  UNLIMITED,
} from "./common";
import type { RelayHost } from "./relay-control";
import { median, round } from "./stats";

export const THROUGHPUT_USERS: readonly UserSpec[] = [
  { id: "gm", name: "GM", role: 4 },
  { id: "player", name: "Player", role: 1 },
];

export type ContenderName = "raw" | "native" | "socketlib";

export interface ThroughputRun {
  ms: number;
  /** Time until the sender's loop returned. */
  sendMs: number;
  messagesPerSecond: number;
  framesRelayed: number;
  bytesRelayed: number;
  relayCpuMs: number;
  /** CPU of the bench process (both clients) during the run. */
  clientCpuMs: number;
}

export interface ContenderResult {
  runs: (ThroughputRun | Failure)[];
  messagesPerSecond: number;
  /** Slowest and fastest repetition (msg/s). */
  range: [number, number];
  framesPerRun: number;
  bytesPerMessage: number;
  relayCpuUsPerMessage: number;
  clientCpuUsPerMessage: number;
}

export interface PatternResult {
  contenders: Record<ContenderName, ContenderResult>;
  /** Median of the per-repetition ratios to raw (same repetition, same pattern). */
  ratioToRaw: { native: number; socketlib: number };
}

export interface ThroughputResult {
  messages: number;
  payloadBytes: number;
  repetitions: number;
  config: Record<string, unknown>;
  patterns: Record<SendPattern, PatternResult>;
  /** One burst through the native transport with the default receive rate limit (2,000/s, burst 20,000). */
  defaultRateLimit: { delivered: number; rateLimited: number; ms: number } | Failure;
}

interface Contender {
  readonly name: ContenderName;
  readonly relay: string;
  readonly counter: Counter;
  send(i: number): void;
  close(): void;
  /** Socket Manager only: the two peers. */
  readonly peers?: Peer[];
}

async function rawContender(host: RelayHost, name: string): Promise<Contender> {
  const url = await host.start(name);
  const clients = await connectClients(url, THROUGHPUT_USERS);
  const [gm, player] = clients as [(typeof clients)[0], (typeof clients)[0]];
  const counter = new Counter();
  gm.socket.on(EVENT, () => counter.hit());
  const socket = player.socket;
  return {
    name: "raw",
    relay: name,
    counter,
    send: (i) => {
      socket.emit(EVENT, makePayload(i));
    },
    close: () => closeAll(clients),
  };
}

async function managerContender(
  host: RelayHost,
  name: string,
  kind: "native" | "socketlib",
): Promise<Contender> {
  const url = await host.start(name);
  const clients = await connectClients(url, THROUGHPUT_USERS, { socketlib: kind === "socketlib" });
  const peers = await startPeers(clients, UNLIMITED);
  const [gm, player] = peers as [Peer, Peer];
  for (const p of peers) {
    if (p.api.transport !== kind) throw new Error(`expected the ${kind} transport, got ${p.api.transport}`);
  }
  const counter = new Counter();
  gm.api.channel(CHANNEL).on("move", () => counter.hit());
  const channel = player.api.channel(CHANNEL);
  return {
    name: kind,
    relay: name,
    counter,
    peers,
    send: (i) => {
      void channel.emit("move", makePayload(i));
    },
    close: () => closeAll(clients, peers),
  };
}

async function runOnce(
  host: RelayHost,
  c: Contender,
  n: number,
  pattern: SendPattern,
  timeoutMs: number,
): Promise<ThroughputRun> {
  await host.reset(c.relay);
  c.counter.arm(n);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await sendAll(n, pattern, (i) => c.send(i));
  const sent = performance.now();
  const done = await c.counter.wait(timeoutMs, `${c.name} ${pattern}`);
  const clientCpuMs = cpuMsSince(cpu);
  const stats = await host.stats(c.relay);
  const ms = done - t0;
  return {
    ms: round(ms),
    sendMs: round(sent - t0),
    messagesPerSecond: Math.round((n / ms) * 1000),
    framesRelayed: stats.framesRelayed,
    bytesRelayed: stats.bytesRelayed,
    relayCpuMs: round(stats.cpuMs),
    clientCpuMs: round(clientCpuMs),
  };
}

function ok(r: ThroughputRun | Failure): r is ThroughputRun {
  return !("error" in r);
}

function summarizeContender(runs: (ThroughputRun | Failure)[], n: number): ContenderResult {
  const good = runs.filter(ok);
  return {
    runs,
    messagesPerSecond: median(good.map((r) => r.messagesPerSecond)),
    range: [
      Math.min(...good.map((r) => r.messagesPerSecond)),
      Math.max(...good.map((r) => r.messagesPerSecond)),
    ],
    framesPerRun: median(good.map((r) => r.framesRelayed)),
    bytesPerMessage: round(median(good.map((r) => r.bytesRelayed / n))),
    relayCpuUsPerMessage: round(median(good.map((r) => (r.relayCpuMs * 1000) / n))),
    clientCpuUsPerMessage: round(median(good.map((r) => (r.clientCpuMs * 1000) / n))),
  };
}

export async function benchThroughput(
  host: RelayHost,
  opts: { messages: number; repetitions: number; warmup: number; timeoutMs: number },
): Promise<ThroughputResult> {
  const contenders: Contender[] = [];
  try {
    contenders.push(await rawContender(host, "tp-raw"));
    contenders.push(await managerContender(host, "tp-native", "native"));
    contenders.push(await managerContender(host, "tp-socketlib", "socketlib"));
    const patterns: SendPattern[] = ["chunked", "burst"];
    for (const c of contenders) {
      log(`throughput: warm-up ${c.name} (${opts.warmup} messages)`);
      await runOnce(host, c, opts.warmup, "chunked", opts.timeoutMs);
    }
    const runs = new Map<string, (ThroughputRun | Failure)[]>();
    for (let rep = 0; rep < opts.repetitions; rep++) {
      for (const pattern of patterns) {
        for (const c of rotate(contenders, rep)) {
          let r: ThroughputRun | Failure;
          try {
            r = await runOnce(host, c, opts.messages, pattern, opts.timeoutMs);
            log(
              `throughput ${rep + 1}/${opts.repetitions} ${pattern.padEnd(7)} ${c.name.padEnd(9)} ` +
                `${r.messagesPerSecond.toLocaleString("en-US")} msg/s (${r.ms} ms, ${r.framesRelayed} frames)`,
            );
          } catch (e) {
            r = failure(e);
            log(`throughput ${rep + 1}/${opts.repetitions} ${pattern} ${c.name} FAILED: ${r.error}`);
          }
          const key = `${pattern}/${c.name}`;
          runs.set(key, [...(runs.get(key) ?? []), r]);
          await settleBetweenRuns();
        }
      }
    }

    const result = {} as Record<SendPattern, PatternResult>;
    for (const pattern of patterns) {
      const get = (name: ContenderName) => runs.get(`${pattern}/${name}`) ?? [];
      const perRepRatio = (name: ContenderName) => {
        const raw = get("raw");
        const other = get(name);
        const ratios: number[] = [];
        for (let i = 0; i < Math.min(raw.length, other.length); i++) {
          const a = raw[i];
          const b = other[i];
          if (a && b && ok(a) && ok(b)) ratios.push(b.messagesPerSecond / a.messagesPerSecond);
        }
        return round(median(ratios));
      };
      result[pattern] = {
        contenders: {
          raw: summarizeContender(get("raw"), opts.messages),
          native: summarizeContender(get("native"), opts.messages),
          socketlib: summarizeContender(get("socketlib"), opts.messages),
        },
        ratioToRaw: { native: perRepRatio("native"), socketlib: perRepRatio("socketlib") },
      };
    }

    const native = contenders.find((c) => c.name === "native")!;
    const defaultRateLimit = await burstWithDefaultLimit(native, opts.messages, opts.timeoutMs);

    return {
      messages: opts.messages,
      payloadBytes: JSON.stringify(makePayload(opts.messages / 2)).length,
      repetitions: opts.repetitions,
      config: { ...UNLIMITED, batchSize: native.peers?.[0]?.api.config().batchSize },
      patterns: result,
      defaultRateLimit,
    };
  } finally {
    for (const c of contenders) c.close();
  }
}

/** What the default receive rate limit does to the same burst: counted, not delivered. */
async function burstWithDefaultLimit(
  c: Contender,
  n: number,
  timeoutMs: number,
): Promise<{ delivered: number; rateLimited: number; ms: number } | Failure> {
  const receiver = c.peers?.[0];
  if (!receiver) return { error: "no receiver" };
  log("throughput: one burst with the default receive rate limit");
  try {
    // Refill the bucket to a full default burst first, as after a quiet period.
    receiver.api.configure({ rateLimit: DEFAULT_CONFIG.rateLimit, rateBurst: DEFAULT_CONFIG.rateBurst });
    await new Promise((r) => setTimeout(r, 50));
    const before = receiver.api.metrics();
    const limitedBefore = before.dropped["rate-limited"] ?? 0;
    c.counter.arm(n);
    const t0 = performance.now();
    await sendAll(n, "burst", (i) => c.send(i));
    const deadline = Date.now() + timeoutMs;
    let delivered = 0;
    let rateLimited = 0;
    for (;;) {
      const m = receiver.api.metrics();
      delivered = c.counter.value;
      rateLimited = (m.dropped["rate-limited"] ?? 0) - limitedBefore;
      if (delivered + rateLimited >= n || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return { delivered, rateLimited, ms: round(performance.now() - t0) };
  } catch (e) {
    return failure(e);
  } finally {
    receiver.api.configure(UNLIMITED);
  }
}
