import { afterEach } from "vitest";
import { WebSocket } from "ws";
import { type Bridge, type BridgeOptions, type Clock, createBridge } from "../src/index.js";

/** Virtual time: timers fire only when a test calls `advance`. */
export class FakeClock implements Clock {
  #now = 1_700_000_000_000;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let i = 0; i < 10_000; i++) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) {
        this.#now = target;
        return;
      }
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    throw new Error("FakeClock.advance: more than 10,000 timers fired");
  }
}

/** Waits (without sleeping) until `condition` holds; fails after `limitMs` of real time. */
export async function until(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Settles after a few microtask turns: true when `promise` has settled by then (it was settled "at once"). */
export async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
}

export type Frame = Record<string, unknown> & { type: string };

/** A stand-in for the Foundry client: a real `ws` client that reads frames in order, on demand. */
export class TestClient {
  readonly ws: WebSocket;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #queue: Frame[] = [];
  readonly #waiters: { type: string | undefined; resolve: (f: Frame) => void }[] = [];
  #pingIds = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const i = this.#waiters.findIndex((w) => w.type === undefined || w.type === frame.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(frame);
      else this.#queue.push(frame);
    });
  }

  /** Opens a socket (no hello sent). */
  static open(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  /** Opens a socket, sends a valid hello (with `hello` merged in) and waits for the welcome. */
  static async connect(url: string, hello: Record<string, unknown> = {}): Promise<TestClient> {
    const client = await TestClient.open(url);
    client.send(helloFrame(hello));
    const welcome = await client.next();
    if (welcome.type !== "welcome") throw new Error(`expected a welcome, got ${JSON.stringify(welcome)}`);
    return client;
  }

  /** Sends an object as JSON, or a string as it is. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * The next frame received (of `type`, if given; frames of other types stay queued). Fails when none
   * comes within `limitMs` of real time, so that a broken server fails the test instead of hanging it.
   */
  next(type?: string, limitMs = 2000): Promise<Frame> {
    const i = this.#queue.findIndex((f) => type === undefined || f.type === type);
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        type,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${type ?? "frame"} received within ${limitMs} ms`));
      }, limitMs);
      this.#waiters.push(waiter);
    });
  }

  /** Frames received and not read yet. */
  get unread(): readonly Frame[] {
    return this.#queue;
  }

  /**
   * Pings the server and waits for the pong: the server handles one connection's frames in order, so every
   * frame sent before has been handled when this resolves.
   */
  async sync(): Promise<void> {
    const id = `sync-${++this.#pingIds}`;
    this.send({ type: "ping", id, at: 1 });
    for (let i = 0; i < 1000; i++) {
      const pong = await this.next("pong");
      if (pong.id === id) return;
    }
    throw new Error("sync: no pong");
  }

  close(): void {
    this.ws.close();
  }
}

export const TOKEN = "s3cret-token";

export function helloFrame(overrides: Record<string, unknown> = {}): Frame {
  return {
    type: "hello",
    v: 1,
    token: TOKEN,
    world: "world-a",
    user: "gmUser00000000001",
    module: "0.1.0",
    capabilities: ["request", "event", "ping"],
    ...overrides,
  };
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Runs `fn` after the current test (last registered, first run). */
export function cleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** A bridge on 127.0.0.1, a random port, the test token; closed after the test. */
export async function startBridge(
  opts: Partial<BridgeOptions> = {},
): Promise<{ bridge: Bridge; url: string; port: number }> {
  const bridge = createBridge({ token: TOKEN, port: 0, ...opts });
  cleanup(() => bridge.close());
  const { url, port } = await bridge.ready;
  return { bridge, url, port };
}

/** A client connected (hello accepted); closed after the test. */
export async function connect(url: string, hello: Record<string, unknown> = {}): Promise<TestClient> {
  const client = await TestClient.connect(url, hello);
  cleanup(() => client.ws.terminate());
  return client;
}

/** A socket without hello; closed after the test. */
export async function open(url: string): Promise<TestClient> {
  const client = await TestClient.open(url);
  cleanup(() => client.ws.terminate());
  return client;
}
