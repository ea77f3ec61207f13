/** Shared pieces of the benchmark: payloads, clients, send patterns, bounded waits, progress output. */
import v8 from "node:v8";
import vm from "node:vm";
import type { Config } from "../src/config";
import { createSimClient, type SimClient, type UserSpec } from "../test/harness/client";
import { type Peer, startPeer } from "../test/harness/managers";
import { waitFor } from "../test/harness/wait";

/** The one socket event of the module (the raw contender uses it too, exactly as socketlib would). */
export const EVENT = "module.socket-manager";
/** The consumer channel the Socket Manager contenders use. */
export const CHANNEL = "bench";

/**
 * Throughput runs measure the pipeline, not the receive-side abuse guard: the default per-sender limit
 * (2,000 msg/s sustained, 20,000 burst) would drop most of a 100,000-message burst by design.
 */
export const UNLIMITED: Partial<Config> = { rateLimit: 10_000_000, rateBurst: 10_000_000 };

const START = performance.now();

export function log(message: string): void {
  process.stderr.write(
    `[bench ${((performance.now() - START) / 1000).toFixed(1).padStart(6)}s] ${message}\n`,
  );
}

export function elapsedSeconds(): number {
  return (performance.now() - START) / 1000;
}

const NOTE = "Goblin archer moves behind the crates and readies a bow";

/** A token-update-like payload of about 200 bytes of JSON. */
export function makePayload(i: number): Record<string, unknown> {
  return {
    i,
    scene: "Scene.k3J9dQe2LmP0aXz",
    token: "Token.Zq81nB4cVw7uYt0",
    x: 1000 + (i % 977),
    y: 2000 + (i % 613),
    elevation: 0,
    rotation: (i * 15) % 360,
    hidden: false,
    note: NOTE,
  };
}
export const PAYLOAD_BYTES = JSON.stringify(makePayload(50_000)).length;

export type SendPattern = "burst" | "chunked";
/** Messages per macrotask in the chunked pattern. */
export const CHUNK = 1000;

/**
 * Calls `send(i)` for i in 0..n-1. "burst": one synchronous loop (a module reacting to one big change);
 * "chunked": CHUNK per macrotask, yielding with setImmediate so the socket can drain between chunks.
 */
export async function sendAll(n: number, pattern: SendPattern, send: (i: number) => void): Promise<void> {
  if (pattern === "burst") {
    for (let i = 0; i < n; i++) send(i);
    return;
  }
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    for (let i = start; i < end; i++) send(i);
    await nextMacrotask();
  }
}

export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let fullCollection: (() => void) | null = null;

/**
 * Lets the last run's stragglers arrive, then collects all garbage: every timed run starts from the same heap,
 * so a major collection owed to one contender's run is never billed to the next (a contender run right after
 * raw socket.io's 100,000 packets used to pay for them, twice the CPU in some repetitions).
 */
export async function settleBetweenRuns(): Promise<void> {
  await nextMacrotask();
  if (!fullCollection) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (!exposed) v8.setFlagsFromString("--expose-gc");
    fullCollection = exposed ?? (vm.runInNewContext("gc") as () => void);
  }
  fullCollection();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Counts deliveries. `arm(target)` before sending; the receive path calls `hit()`; `wait()` resolves with the
 * moment (performance.now()) the target was reached, or rejects after a bounded time.
 */
export class Counter {
  value = 0;
  private target = Number.POSITIVE_INFINITY;
  private reachedAt = Number.NaN;
  private done: ((at: number) => void) | null = null;

  /** Call from the receive path. */
  hit(): void {
    if (++this.value === this.target) {
      this.reachedAt = performance.now();
      this.done?.(this.reachedAt);
      this.done = null;
    }
  }

  arm(target: number): void {
    this.value = 0;
    this.target = target;
    this.reachedAt = Number.NaN;
    this.done = null;
  }

  wait(timeoutMs: number, what: string): Promise<number> {
    if (!Number.isNaN(this.reachedAt)) return Promise.resolve(this.reachedAt);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.done = null;
        reject(new Error(`${what}: only ${this.value} of ${this.target} arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      this.done = (at) => {
        clearTimeout(timer);
        resolve(at);
      };
    });
  }
}

/** Connects one client per user spec to `url` and waits until every client sees every other active. */
export async function connectClients(
  url: string,
  users: readonly UserSpec[],
  opts: { socketlib?: boolean } = {},
): Promise<SimClient[]> {
  const clients: SimClient[] = [];
  try {
    for (const user of users) {
      clients.push(
        await createSimClient({
          url,
          user,
          users,
          socketlib: opts.socketlib === true,
          connectTimeout: 10_000,
        }),
      );
    }
    await waitFor(() => clients.every((c) => users.every((u) => c.users.get(u.id)?.active === true)), {
      timeout: 10_000,
      message: "every benchmark client sees every other one active",
    });
  } catch (e) {
    for (const c of clients) c.close();
    throw e;
  }
  return clients;
}

export function startPeers(clients: readonly SimClient[], config: Partial<Config>): Promise<Peer[]> {
  return Promise.all(clients.map((c) => startPeer(c, config)));
}

export function closeAll(clients: readonly SimClient[], peers: readonly Peer[] = []): void {
  for (const p of peers) p.manager.dispose();
  for (const c of clients) c.close();
}

/** Process CPU time (user + system) in ms since `start`. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Rotates a list by `by` places: used to alternate which contender goes first in each repetition. */
export function rotate<T>(list: readonly T[], by: number): T[] {
  const k = ((by % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export type Failure = { error: string };
export function failure(e: unknown): Failure {
  return { error: e instanceof Error ? e.message : String(e) };
}
