/**
 * The connection the module owns to an external backend (docs/BRIDGE.md): opened by the active GM's client
 * only, with the design's reconnection policy: after a failed attempt, the next one waits `backoffDelay`
 * (from `initialReconnectionDelay`, doubling to `maxReconnectionDelay`, with jitter); after
 * `maxReconnectionAttempts` failures in a row the bridge is "offline" (one notice) and tries every
 * `maxReconnectionDelay` until it is back (another notice). An attempt ends when the backend welcomes it or
 * the socket closes (or 10 s pass without a welcome), never by the next retry. The count of failures resets
 * once a connection has lasted STABLE_AFTER_MS. Requests from the backend reach only bridge handlers.
 */
import type { TimerHandle } from "../clock";
import { SocketManagerError, ValidationError } from "../contract/errors";
import type { BridgeState, BridgeStatus } from "../contract/types";
import { byteLength } from "../pipeline/codec";
import { assertJsonSafe } from "../pipeline/validate";
import { backoffDelay } from "../reliability/backoff";
import { STABLE_AFTER_MS } from "../reliability/connection";
import { Answerer } from "./answer";
import { EventQueue } from "./events";
import { BridgeHandlers } from "./handlers";
import { BRIDGE_LIMITS, type BridgeHost, type BridgeSocket, redact } from "./host";
import { frames, isEventName, parseServerFrame } from "./protocol";
import { BridgeStats } from "./stats";

const OPEN = 1;

type TimerName = "handshake" | "ping" | "flush" | "retry" | "stable";

/** Close codes after which retrying cannot help (docs/BRIDGE.md, close codes). */
const REFUSALS: Record<number, string> = {
  4001: "unauthorized",
  4002: "unsupported-version",
  4003: "bad-hello",
  4004: "replaced",
};

export class BridgeClient {
  readonly handlers = new BridgeHandlers();
  readonly #answerer: Answerer;
  readonly #host: BridgeHost;
  readonly #stats = new BridgeStats();
  #failures = 0;
  /** Set when the backend refused this client: the settings it refused. */
  #haltedFor: string | null = null;
  readonly #timers = new Map<TimerName, TimerHandle>();
  readonly #queue = new EventQueue();
  readonly #listeners = new Set<(state: BridgeState) => void>();
  #state: BridgeState = "off";
  #socket: BridgeSocket | null = null;
  #welcomed = false;
  #maxFrame = BRIDGE_LIMITS.maxFrameBytes;
  #pings = 0;
  #rttMs: number | undefined;
  #connectedAt: number | undefined;

  constructor(host: BridgeHost) {
    this.#host = host;
    this.#answerer = new Answerer({
      handlers: this.handlers,
      stats: this.#stats,
      maxFrame: () => this.#maxFrame,
      send: (text) => this.#send(text),
    });
  }

  get state(): BridgeState {
    return this.#state;
  }

  /** Opens or closes the connection as the settings and the active GM say; call on any change of them. */
  refresh(): void {
    const wanted = this.#wanted();
    const haltedBefore = this.#haltedFor !== null && this.#haltedFor !== this.#settings();
    if (wanted && (this.#state === "off" || haltedBefore)) {
      this.#haltedFor = null;
      this.#setState("connecting");
      this.#open();
    } else if (!wanted && this.#state !== "off") {
      this.#shutDown();
    }
  }

  /** Sends an event to the backend (queued while the connection is down). False when the bridge is off. */
  emit(event: string, data: unknown): boolean {
    if (!isEventName(event)) {
      throw new ValidationError("bridge event names are 1 to 64 characters", {
        moduleId: "bridge",
        event: String(event),
      });
    }
    assertJsonSafe(data, "bridge", event);
    if (this.#state === "off") {
      this.#stats.drop("bridge-off");
      return false;
    }
    const item = { event, data: data ?? null, at: this.#host.clock.now() };
    if (byteLength(frames.event(item.event, item.data, item.at)) > this.#maxFrame) {
      throw new SocketManagerError(`bridge event "${event}" is larger than ${this.#maxFrame} bytes`, {
        moduleId: "bridge",
        event,
      });
    }
    const pushedOut = this.#queue.push(item);
    if (pushedOut > 0) this.#stats.drop("bridge-queue-overflow", pushedOut);
    if (this.#welcomed) this.#scheduleFlush();
    return true;
  }

  onStateChange(fn: (state: BridgeState) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  status(): BridgeStatus {
    return {
      state: this.#state,
      url: redact(this.#host.url()),
      attempts: this.#failures,
      queued: this.#queue.length,
      ...(this.#rttMs !== undefined ? { rttMs: this.#rttMs } : {}),
      ...(this.#connectedAt !== undefined ? { connectedAt: this.#connectedAt } : {}),
      handlers: this.handlers.kinds(),
      ...this.#stats.snapshot(),
    };
  }

  dispose(): void {
    this.#shutDown();
    this.#listeners.clear();
  }

  #wanted(): boolean {
    const h = this.#host;
    return h.url() !== "" && h.token() !== "" && h.isAuthority() && h.socketClass() !== undefined;
  }

  #open(): void {
    const Socket = this.#host.socketClass();
    if (!Socket || !this.#wanted()) return;
    this.#closeSocket();
    let socket: BridgeSocket;
    try {
      socket = new Socket(this.#host.url());
    } catch (e) {
      this.#host.log.warn("bridge: cannot open the connection", e);
      this.#lost();
      return;
    }
    this.#socket = socket;
    // Events of a socket this client has already replaced are ignored.
    const mine =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...args: A) => {
        if (this.#socket === socket) fn(...args);
      };
    socket.onopen = mine(() => {
      socket.send(frames.hello(this.#host.token(), this.#host.hello()));
      this.#stats.framesOut++;
      this.#setTimer("handshake", BRIDGE_LIMITS.handshakeMs, () => {
        this.#host.log.warn("bridge: the backend did not answer hello in time");
        socket.close(4008, "hello timeout");
        this.#lost();
      });
    });
    socket.onmessage = mine((event: { data: unknown }) => this.#receive(event.data));
    socket.onclose = mine((event: { code: number; reason: string }) => {
      const refusal = REFUSALS[event.code];
      if (refusal) this.#halt(refusal, event.code);
      else this.#lost();
    });
    socket.onerror = () => {};
  }

  #receive(raw: unknown): void {
    this.#stats.framesIn++;
    const parsed = parseServerFrame(raw, this.#maxFrame);
    if (!parsed.ok) {
      this.#stats.drop(`bridge-${parsed.problem}`);
      return;
    }
    const frame = parsed.frame;
    if (!this.#welcomed) {
      if (frame.type !== "welcome") {
        this.#stats.drop("bridge-before-welcome");
        return;
      }
      if (frame.v !== 1) {
        this.#host.log.warn(`bridge: the backend speaks protocol ${frame.v}, this module 1`);
        this.#socket?.close(4002, "unsupported version");
        this.#lost();
        return;
      }
      this.#welcomed = true;
      this.#maxFrame = Math.min(BRIDGE_LIMITS.maxFrameBytes, frame.maxFrameBytes);
      this.#clearTimer("handshake");
      this.#connectedAt = this.#host.clock.now();
      if (this.#state === "offline") this.#host.notify("info", "SOCKET_MANAGER.Notify.BridgeBack");
      this.#setTimer("stable", STABLE_AFTER_MS, () => {
        this.#failures = 0;
      });
      this.#setState("connected");
      this.#schedulePing();
      if (this.#queue.length > 0) this.#scheduleFlush();
      return;
    }
    switch (frame.type) {
      case "request":
        void this.#answerer.answer(frame.id, frame.kind, frame.data);
        return;
      case "ping":
        this.#send(frames.pong(frame.id, frame.at));
        return;
      case "pong":
        if (frame.id.startsWith("c")) this.#rttMs = Math.max(0, this.#host.clock.now() - frame.at);
        return;
      default:
        this.#stats.drop("bridge-unexpected");
    }
  }

  #send(text: string): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN || !this.#welcomed) {
      this.#stats.drop("bridge-not-connected");
      return;
    }
    socket.send(text);
    this.#stats.framesOut++;
  }

  #scheduleFlush(): void {
    if (!this.#timers.has("flush")) this.#setTimer("flush", 0, () => this.#flush());
  }

  /** Sends queued events, many per frame, each frame within the size limit. */
  #flush(): void {
    while (this.#welcomed) {
      const next = this.#queue.takeFrame(this.#maxFrame);
      if (!next) return;
      this.#send(next.text);
      this.#stats.eventsSent += next.count;
    }
  }

  #schedulePing(): void {
    this.#clearTimer("ping");
    const every = this.#host.limits().heartbeatInterval;
    if (every <= 0) return;
    this.#setTimer("ping", every, () => {
      if (!this.#welcomed) return;
      this.#send(frames.ping(`c${++this.#pings}`, this.#host.clock.now()));
      this.#schedulePing();
    });
  }

  /**
   * The backend refused this client (token, version, hello) or gave the world to another client: retrying
   * would not help, so the bridge stays offline until its URL or token changes.
   */
  #halt(reason: string, code: number): void {
    this.#closeSocket();
    this.#clearTimer("retry");
    this.#haltedFor = this.#settings();
    this.#stats.drop(`bridge-${reason}`);
    this.#host.log.warn(`bridge: the backend closed the connection (${code} ${reason}); not retrying`);
    this.#setState("offline");
    this.#host.notify("warn", "SOCKET_MANAGER.Notify.BridgeRefused");
  }

  /** What a refusal is about: the URL and the token (a change of either is worth a new try). */
  #settings(): string {
    return `${this.#host.url()}\n${this.#host.token()}`;
  }

  /** The connection dropped or could not be made: retry per the policy while it is still wanted. */
  #lost(): void {
    this.#closeSocket();
    if (!this.#wanted()) {
      this.#shutDown();
      return;
    }
    this.#failures++;
    const limits = this.#host.limits();
    let delay: number;
    if (this.#failures > limits.maxReconnectionAttempts) {
      if (this.#state !== "offline") {
        this.#setState("offline");
        this.#host.notify("warn", "SOCKET_MANAGER.Notify.BridgeOffline");
      }
      delay = limits.maxReconnectionDelay;
    } else {
      this.#setState("reconnecting");
      delay = backoffDelay(
        this.#failures - 1,
        { initial: limits.initialReconnectionDelay, max: limits.maxReconnectionDelay },
        this.#host.random,
      );
    }
    this.#setTimer("retry", delay, () => {
      this.#stats.attempts++;
      this.#open();
    });
  }

  #closeSocket(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#welcomed = false;
    this.#connectedAt = undefined;
    this.#clearTimer("handshake");
    this.#clearTimer("ping");
    this.#clearTimer("stable");
    if (socket && socket.readyState <= OPEN) {
      try {
        socket.close(1000, "closing");
      } catch {
        // already closing
      }
    }
  }

  #shutDown(): void {
    this.#haltedFor = null;
    this.#clearTimer("retry");
    this.#failures = 0;
    this.#closeSocket();
    this.#clearTimer("flush");
    const dropped = this.#queue.clear();
    if (dropped > 0) this.#stats.drop("bridge-off", dropped);
    this.#setState("off");
  }

  #setTimer(name: TimerName, ms: number, fn: () => void): void {
    this.#clearTimer(name);
    this.#timers.set(
      name,
      this.#host.clock.setTimeout(() => {
        this.#timers.delete(name);
        fn();
      }, ms),
    );
  }

  #clearTimer(name: TimerName): void {
    const handle = this.#timers.get(name);
    if (handle === undefined) return;
    this.#host.clock.clearTimeout(handle);
    this.#timers.delete(name);
  }

  #setState(state: BridgeState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const fn of [...this.#listeners]) {
      try {
        fn(state);
      } catch (e) {
        this.#host.log.error("bridge: a state listener threw", e);
      }
    }
  }
}
