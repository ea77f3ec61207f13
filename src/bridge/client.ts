/**
 * The connection the module owns to an external backend (docs/BRIDGE.md), held by the active GM's client only.
 * After a failed attempt the next waits `backoffDelay` (from `initialReconnectionDelay`, doubling to
 * `maxReconnectionDelay`, with jitter); after `maxReconnectionAttempts` failures in a row it is "offline" (one
 * notice) and tries every `maxReconnectionDelay` until it is back. An attempt ends with a welcome, a close, or
 * 10 s without a welcome. A refusal (token, version, hello, replaced) stops it until the settings change.
 */
import type { BridgeState, BridgeStatus } from "../contract/types";
import { backoffDelay } from "../reliability/backoff";
import { STABLE_AFTER_MS } from "../reliability/connection";
import { Answerer } from "./answer";
import { checkedEvent, EventQueue } from "./events";
import { BridgeHandlers } from "./handlers";
import { BRIDGE_LIMITS, type BridgeHost, type BridgeSocket, redact } from "./host";
import { frames, parseServerFrame, REFUSALS } from "./protocol";
import { BridgeStats } from "./stats";
import { NamedTimers, retryDelay } from "./timers";

const OPEN = 1;

type TimerName = "handshake" | "ping" | "flush" | "retry" | "stable";

export class BridgeClient {
  readonly handlers = new BridgeHandlers();
  readonly #answerer: Answerer;
  readonly #host: BridgeHost;
  readonly #stats = new BridgeStats();
  #failures = 0;
  /** Set when the backend refused this client: the settings it refused. */
  #haltedFor: string | null = null;
  readonly #timers: NamedTimers<TimerName>;
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
    this.#timers = new NamedTimers(host.clock);
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
    const item = checkedEvent(event, data, this.#host.clock.now(), this.#maxFrame);
    if (this.#state === "off") {
      this.#stats.drop("bridge-off");
      return false;
    }
    const pushedOut = this.#queue.push(item);
    if (pushedOut > 0) this.#stats.drop("bridge-queue-overflow", pushedOut);
    if (this.#welcomed) this.#timers.setIfIdle("flush", 0, () => this.#flush());
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
      this.#timers.set("handshake", BRIDGE_LIMITS.handshakeMs, () => {
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
        this.#socket?.close(4002, "unsupported version");
        return this.#halt(`protocol-${frame.v}`, 4002);
      }
      this.#welcomed = true;
      this.#maxFrame = Math.min(BRIDGE_LIMITS.maxFrameBytes, frame.maxFrameBytes);
      this.#timers.clear("handshake");
      this.#connectedAt = this.#host.clock.now();
      if (this.#state === "offline") this.#host.notify("info", "SOCKET_MANAGER.Notify.BridgeBack");
      this.#timers.set("stable", STABLE_AFTER_MS, () => {
        this.#failures = 0;
      });
      this.#setState("connected");
      this.#schedulePing();
      if (this.#queue.length > 0) this.#timers.setIfIdle("flush", 0, () => this.#flush());
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
    this.#timers.clear("ping");
    const every = this.#host.limits().heartbeatInterval;
    if (every <= 0) return;
    this.#timers.set("ping", every, () => {
      if (!this.#welcomed) return;
      this.#send(frames.ping(`c${++this.#pings}`, this.#host.clock.now()));
      this.#schedulePing();
    });
  }

  /** Refused (token, version, hello) or replaced: retrying cannot help until the URL or token changes. */
  #halt(reason: string, code: number): void {
    this.#closeSocket();
    this.#timers.clear("retry");
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
    const { delay, offline } = retryDelay(this.#failures, this.#host.limits(), (attempt, initial, max) =>
      backoffDelay(attempt, { initial, max }, this.#host.random),
    );
    if (!offline) this.#setState("reconnecting");
    else if (this.#state !== "offline") {
      this.#setState("offline");
      this.#host.notify("warn", "SOCKET_MANAGER.Notify.BridgeOffline");
    }
    this.#timers.set("retry", delay, () => {
      this.#stats.attempts++;
      this.#open();
    });
  }

  #closeSocket(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#welcomed = false;
    this.#connectedAt = undefined;
    this.#timers.clear("handshake", "ping", "stable");
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
    this.#timers.clear("retry");
    this.#failures = 0;
    this.#closeSocket();
    this.#timers.clear("flush");
    const dropped = this.#queue.clear();
    if (dropped > 0) this.#stats.drop("bridge-off", dropped);
    this.#setState("off");
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
