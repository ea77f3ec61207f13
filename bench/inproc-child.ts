/**
 * Sections 5 and 6, run in a child process started with `--expose-gc` (bench/inproc.ts forks it): in-process
 * pipeline throughput and heap growth on the local transport, and the outbox bound during a long disconnect.
 * Reports one JSON object over IPC.
 */
import { type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { createApi } from "../src/api";
import type { Config } from "../src/config";
import type { Api } from "../src/contract/types";
import type {
  FoundryEnv,
  FoundryHooks,
  FoundrySocket,
  FoundryUser,
  FoundryUsers,
} from "../src/foundry/types";
import { SocketManager } from "../src/manager";
import { createSimClient } from "../test/harness/client";
import { CHANNEL, Counter, makePayload, type SendPattern, sendAll, UNLIMITED } from "./common";
import { type CodecFloor, measureCodecFloor } from "./floor";
import { median, round } from "./stats";

export interface PipelineResult {
  messages: number;
  repetitions: number;
  /** Median messages/s per send pattern. */
  messagesPerSecond: Record<SendPattern, number>;
  runs: Record<SendPattern, number[]>;
  /**
   * Median share of each run's time spent collecting garbage (Node's `gc` performance entries): what the
   * pipeline's allocations cost it.
   */
  gcShare: Record<SendPattern, number>;
  /** The JSON work alone, per message, and the msg/s it allows (see bench/floor.ts). */
  codecFloor: CodecFloor;
}

export interface MemoryResult {
  messages: number;
  delivered: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  growthBytes: number;
  /** Highest heapUsed sampled during the run (no forced GC), minus the baseline. */
  peakAboveBaselineBytes: number;
  ms: number;
}

export interface OutboxResult {
  emitted: number;
  outboxSize: number;
  outboxDepth: number;
  droppedOverflow: number;
  /** Packets socket.io itself buffered (its buffer has no bound): must stay 0. */
  socketIoBuffered: number;
  state: string;
  emitsPerSecond: number;
  heapGrowthBytes: number;
}

export interface InprocResult {
  /** CPU time of the child process (ms). */
  cpuMs: number;
  pipeline: PipelineResult;
  memory: MemoryResult;
  outbox: OutboxResult;
}

const gc = (globalThis as { gc?: () => void }).gc;

function fullGc(): void {
  if (!gc) throw new Error("run with --expose-gc");
  for (let i = 0; i < 4; i++) gc();
}

function heapUsed(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}

class Users implements FoundryUsers {
  constructor(private readonly list: FoundryUser[]) {}
  get(id: string): FoundryUser | undefined {
    return this.list.find((u) => u.id === id);
  }
  [Symbol.iterator](): Iterator<FoundryUser> {
    return this.list[Symbol.iterator]();
  }
  get activeGM(): FoundryUser | null {
    return this.list.find((u) => u.active && u.isGM) ?? null;
  }
}

/** Hooks that keep nothing (the harness's SimHooks records every call, which would skew a heap figure). */
function quietHooks(): FoundryHooks {
  const map = new Map<string, Map<number, (...args: never[]) => unknown>>();
  let next = 1;
  return {
    on(name, fn) {
      const id = next++;
      if (!map.has(name)) map.set(name, new Map());
      map.get(name)?.set(id, fn);
      return id;
    },
    once(name, fn) {
      return this.on(name, fn);
    },
    off(name, fnOrId) {
      const m = map.get(name);
      if (!m) return;
      for (const [id, fn] of m) if (id === fnOrId || fn === fnOrId) m.delete(id);
    },
    callAll(name, ...args) {
      for (const fn of map.get(name)?.values() ?? []) (fn as (...a: unknown[]) => unknown)(...args);
      return true;
    },
  };
}

/** A minimal world of one GM and one player, with or without a socket. */
function env(socket: FoundrySocket | null): FoundryEnv {
  const users = new Users([
    { id: "gm", name: "GM", role: 4, isGM: true, active: true },
    { id: "player", name: "Player", role: 1, isGM: false, active: true },
  ]);
  return {
    userId: "gm",
    users,
    socket,
    hooks: quietHooks(),
    socketlib: { active: false, socket: null },
    notify: () => {},
    localize: (key) => key,
  };
}

function start(e: FoundryEnv, config: Partial<Config>): { api: Api; manager: SocketManager } {
  const manager = new SocketManager({ env: e, config, version: "bench" });
  const api = createApi(manager);
  manager.start();
  return { api, manager };
}

/** Time spent in garbage collection since the last reset, from Node's `gc` performance entries. */
class GcTime {
  #ms = 0;
  readonly #observer = new PerformanceObserver((list) => this.#add(list.getEntries()));

  constructor() {
    this.#observer.observe({ entryTypes: ["gc"] });
  }

  reset(): void {
    this.#observer.takeRecords();
    this.#ms = 0;
  }

  /** Node reports a collection a task after it ends: the entries of a run that ended just now come first. */
  async ms(): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#add(this.#observer.takeRecords());
    return this.#ms;
  }

  stop(): void {
    this.#observer.disconnect();
  }

  #add(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) this.#ms += entry.duration;
  }
}

async function pipeline(opts: {
  messages: number;
  repetitions: number;
  warmup: number;
}): Promise<PipelineResult> {
  const { api, manager } = start(env(null), UNLIMITED);
  if (api.transport !== "local") throw new Error(`expected the local transport, got ${api.transport}`);
  const counter = new Counter();
  api.channel(CHANNEL).on("move", () => counter.hit());
  const channel = api.channel(CHANNEL);
  const gc = new GcTime();
  const gcShares: Record<SendPattern, number[]> = { chunked: [], burst: [] };
  const once = async (n: number, pattern: SendPattern) => {
    counter.arm(n);
    gc.reset();
    const t0 = performance.now();
    await sendAll(n, pattern, (i) => {
      void channel.emit("move", makePayload(i));
    });
    const done = await counter.wait(60_000, `pipeline ${pattern}`);
    gcShares[pattern].push((await gc.ms()) / (done - t0));
    return Math.round((n / (done - t0)) * 1000);
  };
  await once(opts.warmup, "chunked");
  const runs: Record<SendPattern, number[]> = { chunked: [], burst: [] };
  gcShares.chunked.length = 0;
  for (let rep = 0; rep < opts.repetitions; rep++) {
    for (const pattern of rep % 2 === 0 ? (["chunked", "burst"] as const) : (["burst", "chunked"] as const)) {
      runs[pattern].push(await once(opts.messages, pattern));
    }
  }
  gc.stop();
  manager.dispose();
  return {
    messages: opts.messages,
    repetitions: opts.repetitions,
    messagesPerSecond: { chunked: median(runs.chunked), burst: median(runs.burst) },
    runs,
    gcShare: { chunked: round(median(gcShares.chunked), 3), burst: round(median(gcShares.burst), 3) },
    codecFloor: measureCodecFloor(Math.min(opts.messages, 100_000)),
  };
}

async function memory(opts: { messages: number; warmup: number }): Promise<MemoryResult> {
  const { api, manager } = start(env(null), UNLIMITED);
  const counter = new Counter();
  const channel = api.channel(CHANNEL);
  channel.on("move", () => counter.hit());
  // Warm up every path (JIT, dedupe window, maps) before the baseline.
  counter.arm(opts.warmup);
  await sendAll(opts.warmup, "chunked", (i) => void channel.emit("move", makePayload(i)));
  await counter.wait(60_000, "memory warm-up");
  const before = heapUsed();
  let peak = 0;
  counter.arm(opts.messages);
  const t0 = performance.now();
  let sent = 0;
  await sendAll(opts.messages, "chunked", (i) => {
    void channel.emit("move", makePayload(i));
    if (++sent % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  });
  await counter.wait(120_000, "memory run");
  const ms = performance.now() - t0;
  const after = heapUsed();
  const delivered = counter.value;
  manager.dispose();
  return {
    messages: opts.messages,
    delivered,
    heapBeforeBytes: before,
    heapAfterBytes: after,
    growthBytes: after - before,
    peakAboveBaselineBytes: Math.max(0, peak - before),
    ms: round(ms),
  };
}

async function outbox(opts: { messages: number }): Promise<OutboxResult> {
  // A real socket.io client that never reaches a server: the native transport sees a socket that is down.
  const client = await createSimClient({
    url: "http://127.0.0.1:9",
    user: { id: "player", name: "Player", role: 1 },
    users: [
      { id: "gm", name: "GM", role: 4 },
      { id: "player", name: "Player", role: 1 },
    ],
    connect: false,
  });
  await client.boot();
  const e = client.env;
  const before = heapUsed();
  const { api, manager } = start(e, UNLIMITED);
  if (api.transport !== "native") throw new Error(`expected the native transport, got ${api.transport}`);
  const channel = api.channel(CHANNEL);
  const t0 = performance.now();
  // In chunks, as a game would keep producing updates through a long outage.
  await sendAll(opts.messages, "chunked", (i) => {
    void channel.emit("move", makePayload(i)).catch(() => {});
  });
  const ms = performance.now() - t0;
  const status = api.status();
  const metrics = api.metrics();
  const buffered = (client.socket as unknown as { sendBuffer: unknown[] }).sendBuffer.length;
  const after = heapUsed();
  const result: OutboxResult = {
    emitted: opts.messages,
    outboxSize: api.config().outboxSize,
    outboxDepth: status.outbox,
    droppedOverflow: metrics.dropped["outbox-overflow"] ?? 0,
    socketIoBuffered: buffered,
    state: status.state,
    emitsPerSecond: Math.round((opts.messages / ms) * 1000),
    heapGrowthBytes: after - before,
  };
  manager.dispose();
  client.close();
  return result;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const result: Omit<InprocResult, "cpuMs"> = {
    pipeline: await pipeline({
      messages: arg("pipeline-messages", 200_000),
      repetitions: arg("pipeline-reps", 5),
      warmup: 50_000,
    }),
    memory: await memory({ messages: arg("memory-messages", 1_000_000), warmup: 50_000 }),
    outbox: await outbox({ messages: arg("outbox-messages", 100_000) }),
  };
  const cpu = process.cpuUsage();
  process.send?.({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies InprocResult);
}

setTimeout(() => {
  console.error("inproc-child: gave up after 180 s");
  process.exit(3);
}, 180_000).unref();

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error("inproc-child failed:", e);
    process.exit(1);
  },
);
