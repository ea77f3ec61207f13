/**
 * The in-memory twin of test/harness/relay.ts: Foundry's relay and the socket.io client behind `game.socket`,
 * in one process on one virtual clock (test/harness/virtual-time.ts), for contract tests that run in
 * milliseconds and the same way every time. It keeps the rules that matter (test/integration/harness.test.ts
 * runs the same pinned facts over both relays):
 * - a `module.*` message reaches every other connected client, never its sender, as a JSON copy, with the
 *   server's record of the sender's user id appended; one sender's messages arrive in order, after `latencyMs`;
 * - a message larger than `maxHttpBufferSize` costs its sender the connection;
 * - presence: `presence` to a socket that connects, `userActivity` to the others when a user's first socket
 *   connects or its last one goes (a stopped server announces nothing);
 * - the client side behaves like socket.io-client: emits while disconnected wait in a buffer and go out on
 *   connect, an unexpected drop retries with Foundry's options (500 ms with socket.io's jitter, 10 attempts,
 *   `reconnect_attempt` / `reconnect` / `reconnect_failed` on `socket.io`), a server-side disconnect or a
 *   client-side `disconnect()` does not retry, and a connection attempt stalled longer than 20 s fails.
 */

import { seededRandom } from "../unit/support";
import { MARKER_EVENT, type Relay, type RelayMessageListener, relays } from "./relay-types";
import type { VirtualClock } from "./virtual-time";

type Listener = (...args: never[]) => void;
type AnyListener = (event: string, ...args: unknown[]) => void;

/** socket.io-client's connection timeout (`timeout` option, default 20 s). */
const CONNECT_TIMEOUT_MS = 20_000;
const RESERVED = new Set(["connect", "disconnect", "connect_error"]);

export interface MemoryRelayOptions {
  /** socket.io's per-message limit; a bigger message disconnects its sender. Default 1e6, as socket.io. */
  maxHttpBufferSize?: number;
  /** One-way delay of every message and connection step (default 1 ms). */
  latencyMs?: number;
  /** Seed of the reconnection jitter (default 1). */
  seed?: number;
  /** The only package events relayed (those of packages with `"socket": true`); default: every one. */
  socketEvents?: readonly string[];
}

export interface MemorySocketOptions {
  userId: string;
  reconnectionDelay: number;
  reconnectionDelayMax: number;
  reconnectionAttempts: number;
}

/** A tiny event emitter with socket.io's surface (`on`, `off`, `listeners`). */
class Emitter {
  readonly #listeners = new Map<string, Listener[]>();

  on(event: string, fn: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), fn]);
    return this;
  }

  off(event: string, fn?: Listener): this {
    if (!fn) this.#listeners.delete(event);
    else
      this.#listeners.set(
        event,
        (this.#listeners.get(event) ?? []).filter((l) => l !== fn),
      );
    return this;
  }

  listeners(event: string): Listener[] {
    return [...(this.#listeners.get(event) ?? [])];
  }

  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners(event)) (fn as (...a: unknown[]) => void)(...args);
  }
}

/** socket.io-client's Manager, as far as it shows: its events and its reconnection options. */
class MemoryManager extends Emitter {
  constructor(readonly options: Omit<MemorySocketOptions, "userId">) {
    super();
  }
  reconnectionDelay(): number {
    return this.options.reconnectionDelay;
  }
  reconnectionDelayMax(): number {
    return this.options.reconnectionDelayMax;
  }
  reconnectionAttempts(): number {
    return this.options.reconnectionAttempts;
  }
}

/** The client side: what socket.io-client's `Socket` does for `game.socket`, on the virtual clock. */
export class MemorySocket extends Emitter {
  /** The reconnection manager (socket.io-client's `socket.io`). */
  readonly io: MemoryManager;
  readonly userId: string;
  id: string | undefined;
  #connected = false;
  /** Connecting or retrying: socket.io's `active`. */
  #active = false;
  #closedByHand = false;
  #attempts = 0;
  #retryTimer: unknown = null;
  readonly #anyListeners: AnyListener[] = [];
  /** Emits made while disconnected, sent on connect (socket.io-client's `sendBuffer`). */
  readonly #buffer: unknown[][] = [];
  readonly #relay: MemoryRelay;
  readonly #opts: MemorySocketOptions;

  constructor(relay: MemoryRelay, opts: MemorySocketOptions) {
    super();
    this.#relay = relay;
    this.#opts = opts;
    this.userId = opts.userId;
    this.io = new MemoryManager(opts);
  }

  get connected(): boolean {
    return this.#connected;
  }

  get active(): boolean {
    return this.#active;
  }

  emit(event: string, ...args: unknown[]): this {
    if (RESERVED.has(event)) throw new Error(`"${event}" is a reserved event name`);
    if (this.#connected) this.#relay.fromClient(this, event, args);
    else this.#buffer.push([event, ...args]);
    return this;
  }

  onAny(fn: AnyListener): this {
    this.#anyListeners.push(fn);
    return this;
  }

  prependAny(fn: AnyListener): this {
    this.#anyListeners.unshift(fn);
    return this;
  }

  offAny(fn?: AnyListener): this {
    if (!fn) this.#anyListeners.length = 0;
    else {
      const at = this.#anyListeners.indexOf(fn);
      if (at !== -1) this.#anyListeners.splice(at, 1);
    }
    return this;
  }

  connect(): this {
    if (this.#connected || this.#active) return this;
    this.#closedByHand = false;
    this.#active = true;
    this.#attempt(false);
    return this;
  }

  disconnect(): this {
    this.#closedByHand = true;
    this.#active = false;
    this.#relay.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#connected) {
      this.#relay.leave(this, true);
      this.#lost("io client disconnect", false);
    }
    return this;
  }

  /** A server event for this socket (the relay calls it when the message arrives). */
  deliver(event: string, args: unknown[]): void {
    if (!this.#connected) return;
    for (const fn of [...this.#anyListeners]) fn(event, ...args);
    this.fire(event, ...args);
  }

  /** The relay dropped this connection: `retry` unless the server said goodbye (`io server disconnect`). */
  dropped(reason: "transport close" | "io server disconnect"): void {
    if (!this.#connected) return;
    this.#lost(reason, reason === "transport close");
  }

  #lost(reason: string, retry: boolean): void {
    this.#connected = false;
    this.id = undefined;
    this.fire("disconnect", reason);
    if (!retry || this.#closedByHand) {
      this.#active = false;
      return;
    }
    this.#active = true;
    this.#scheduleRetry();
  }

  /** socket.io's backoff with Foundry's options: min(delay · 2^n, max) with ±50 % jitter, capped at max. */
  #scheduleRetry(): void {
    const { reconnectionDelay, reconnectionDelayMax, reconnectionAttempts } = this.#opts;
    if (this.#attempts >= reconnectionAttempts) {
      this.#attempts = 0;
      this.#active = false;
      this.io.fire("reconnect_failed");
      return;
    }
    let ms = reconnectionDelay * 2 ** this.#attempts++;
    const rand = this.#relay.random();
    const deviation = Math.floor(rand * 0.5 * ms);
    ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    const delay = Math.min(ms, reconnectionDelayMax) | 0;
    this.#retryTimer = this.#relay.clock.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closedByHand) return;
      this.io.fire("reconnect_attempt", this.#attempts);
      this.#attempt(true);
    }, delay);
  }

  #attempt(reconnecting: boolean): void {
    this.#relay.handshake(this, (ok) => {
      if (this.#closedByHand) return;
      if (!ok) {
        if (reconnecting) this.io.fire("reconnect_error", new Error("connection refused"));
        this.#scheduleRetry();
        return;
      }
      const attempts = this.#attempts;
      this.#attempts = 0;
      if (reconnecting) this.io.fire("reconnect", attempts);
      if (this.#closedByHand) return;
      this.#connected = true;
      this.id = `${this.userId}#${this.#relay.nextSocketId()}`;
      this.#relay.joined(this);
      this.fire("connect");
      for (const [event, ...args] of this.#buffer.splice(0))
        this.#relay.fromClient(this, event as string, args);
    });
  }
}

/** The server side, with the same surface as the socket.io relay (`Relay`). */
export class MemoryRelay implements Relay {
  readonly url = "memory://relay";
  readonly port = 0;
  readonly clock: VirtualClock;
  readonly random: () => number;
  readonly #maxBuffer: number;
  readonly #socketEvents: ReadonlySet<string> | undefined;
  readonly #latency: number;
  readonly #listeners = new Set<RelayMessageListener>();
  /** Connected sockets, in the order they connected. */
  readonly #sockets = new Set<MemorySocket>();
  /** userId → virtual time until which its connection attempts stall. */
  readonly #cuts = new Map<string, number>();
  #running = true;
  #socketIds = 0;
  #framesRelayed = 0;
  #bytesRelayed = 0;
  #largestFrameBytes = 0;

  constructor(clock: VirtualClock, opts: MemoryRelayOptions = {}) {
    this.clock = clock;
    this.#socketEvents = opts.socketEvents ? new Set(opts.socketEvents) : undefined;
    this.random = seededRandom(opts.seed ?? 1);
    this.#maxBuffer = opts.maxHttpBufferSize ?? 1e6;
    this.#latency = opts.latencyMs ?? 1;
  }

  get framesRelayed(): number {
    return this.#framesRelayed;
  }
  get bytesRelayed(): number {
    return this.#bytesRelayed;
  }
  get largestFrameBytes(): number {
    return this.#largestFrameBytes;
  }
  get running(): boolean {
    return this.#running;
  }

  nextSocketId(): number {
    return ++this.#socketIds;
  }

  connectedUsers(): string[] {
    return [...new Set([...this.#sockets].map((s) => s.userId))];
  }

  onMessage(fn: RelayMessageListener): () => void {
    this.#listeners.add(fn);
    return () => {
      this.#listeners.delete(fn);
    };
  }

  /** A connection attempt: answered after the latency, or when the user's cut ends, or refused when down. */
  handshake(socket: MemorySocket, done: (ok: boolean) => void): void {
    const started = this.clock.now();
    const tryNow = () => {
      if (!this.#running) return done(false);
      const stall = (this.#cuts.get(socket.userId) ?? 0) - this.clock.now();
      if (stall <= 0) return done(true);
      const waited = this.clock.now() - started;
      if (waited + stall > CONNECT_TIMEOUT_MS) {
        this.clock.setTimeout(() => done(false), CONNECT_TIMEOUT_MS - waited);
        return;
      }
      this.clock.setTimeout(tryNow, stall);
    };
    this.clock.setTimeout(tryNow, this.#latency);
  }

  /** The socket completed its connection: presence for it, and its user's arrival for the others. */
  joined(socket: MemorySocket): void {
    const first = !this.connectedUsers().includes(socket.userId);
    this.#sockets.add(socket);
    this.#send(socket, "presence", [this.connectedUsers()]);
    if (first) this.#broadcast(socket, "userActivity", [socket.userId, { active: true }]);
  }

  /** The socket is gone (`announce`: the server noticed, so the others hear of it). */
  leave(socket: MemorySocket, announce: boolean): void {
    if (!this.#sockets.delete(socket)) return;
    if (announce && !this.connectedUsers().includes(socket.userId))
      for (const other of this.#sockets)
        this.#send(other, "userActivity", [socket.userId, { active: false }]);
  }

  fromClient(socket: MemorySocket, event: string, rawArgs: unknown[]): void {
    if (!this.#sockets.has(socket)) return;
    let ack: ((...a: unknown[]) => void) | undefined;
    const args = rawArgs.filter((a) => {
      if (typeof a !== "function") return true;
      ack = a as (...a: unknown[]) => void;
      return false;
    });
    // The packet as socket.io writes it: 42["event",...args].
    const packet = JSON.stringify([event, ...args]);
    if (Buffer.byteLength(packet, "utf8") + 2 > this.#maxBuffer) {
      this.#drop(socket, "transport close");
      return;
    }
    if (!relays(event, this.#socketEvents)) return;
    const copy = () => [...(JSON.parse(packet) as unknown[]).slice(1), socket.userId];
    if (event === MARKER_EVENT) {
      for (const other of this.#sockets) if (other !== socket) this.#deliverLater(other, event, copy());
      return;
    }
    const text = JSON.stringify(args);
    const bytes = text === undefined ? 0 : Buffer.byteLength(text, "utf8");
    this.#framesRelayed++;
    this.#bytesRelayed += bytes;
    if (bytes > this.#largestFrameBytes) this.#largestFrameBytes = bytes;
    for (const other of this.#sockets) if (other !== socket) this.#deliverLater(other, event, copy());
    if (ack) {
      const callback = ack;
      this.clock.setTimeout(() => callback(), this.#latency * 2);
    }
    for (const fn of [...this.#listeners]) {
      try {
        fn(event, JSON.parse(text) as unknown[], socket.userId);
      } catch (err) {
        console.error("memory relay | onMessage listener threw", err);
      }
    }
  }

  disconnectUser(userId: string): void {
    for (const socket of [...this.#sockets])
      if (socket.userId === userId) this.#drop(socket, "io server disconnect");
  }

  cutUser(userId: string, ms: number): void {
    this.#cuts.set(userId, this.clock.now() + ms);
    for (const socket of [...this.#sockets])
      if (socket.userId === userId) this.#drop(socket, "transport close");
  }

  resetStats(): void {
    this.#framesRelayed = 0;
    this.#bytesRelayed = 0;
    this.#largestFrameBytes = 0;
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    // A crashed server announces nothing: every client just loses its connection and retries.
    const sockets = [...this.#sockets];
    this.#sockets.clear();
    for (const socket of sockets) socket.dropped("transport close");
  }

  async restart(): Promise<void> {
    this.#running = true;
  }

  #drop(socket: MemorySocket, reason: "transport close" | "io server disconnect"): void {
    this.leave(socket, true);
    socket.dropped(reason);
  }

  #deliverLater(to: MemorySocket, event: string, args: unknown[]): void {
    this.clock.setTimeout(() => {
      if (this.#sockets.has(to)) to.deliver(event, args);
    }, this.#latency);
  }

  #send(to: MemorySocket, event: string, args: unknown[]): void {
    this.#deliverLater(to, event, JSON.parse(JSON.stringify(args)) as unknown[]);
  }

  #broadcast(from: MemorySocket, event: string, args: unknown[]): void {
    for (const other of this.#sockets) if (other !== from) this.#send(other, event, args);
  }
}
