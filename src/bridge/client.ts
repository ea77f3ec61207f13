/**
 * The connection the module owns to an external backend (docs/BRIDGE.md), held by the active GM's client only.
 * After a failed attempt the next waits `backoffDelay` (from `initialReconnectionDelay`, doubling to
 * `maxReconnectionDelay`, with jitter); after `maxReconnectionAttempts` failures in a row it is "offline" (one
 * notice) and tries every `maxReconnectionDelay` until it is back. An attempt ends with a welcome, a close, or
 * 10 s without a welcome. A refusal (token, version, hello, replaced) stops it until the URL or token changes
 * (or `connect()`). `connect(opts)` overrides the settings for this session; `disconnect()` keeps it off. */
import type { BridgeConnectOptions, BridgeState, BridgeStatus } from "../contract/types";
import { backoffDelay } from "../reliability/backoff";
import { Answerer } from "./answer";
import { BridgeHandlers } from "./handlers";
import { BridgeHeartbeat } from "./heartbeat";
import { BRIDGE_LIMITS, type BridgeHost, type BridgeSocket, redact } from "./host";
import { BridgeOutbox } from "./outbox";
import { frames, parseServerFrame, REFUSALS } from "./protocol";
import { StateCell } from "./state";
import { BridgeStats } from "./stats";
import { BridgeTarget } from "./target";
import { NamedTimers, retryDelay } from "./timers";

const OPEN = 1;

type TimerName = "handshake" | "retry" | "stable";

export class BridgeClient {
  readonly handlers: BridgeHandlers;
  readonly #answerer: Answerer;
  readonly #host: BridgeHost;
  readonly #target: BridgeTarget;
  readonly #stats = new BridgeStats();
  #failures = 0;
  /** Set when the backend refused this client: the settings it refused. */
  #haltedFor: string | null = null;
  readonly #timers: NamedTimers<TimerName>;
  readonly #outbox: BridgeOutbox;
  readonly #heartbeat: BridgeHeartbeat;
  readonly #state: StateCell<BridgeState>;
  #socket: BridgeSocket | null = null;
  #welcomed = false;
  #maxFrame = BRIDGE_LIMITS.maxFrameBytes;
  #connectedAt: number | undefined;

  /** `handlers`: the registry `api.bridge.handle` fills, kept by src/bridge/lazy.ts before this loads. */
  constructor(host: BridgeHost, handlers = new BridgeHandlers()) {
    this.handlers = handlers;
    this.#host = host;
    this.#state = new StateCell<BridgeState>("off", host.log);
    this.#target = new BridgeTarget(host);
    this.#timers = new NamedTimers(host.clock);
    this.#answerer = new Answerer({
      handlers: this.handlers,
      stats: this.#stats,
      maxFrame: () => this.#maxFrame,
      send: (text) => this.#send(text),
    });
    this.#outbox = new BridgeOutbox({
      clock: host.clock,
      stats: this.#stats,
      maxFrame: () => this.#maxFrame,
      open: () => this.#welcomed,
      send: (text) => this.#send(text),
    });
    this.#heartbeat = new BridgeHeartbeat({
      clock: host.clock,
      every: () => host.limits().heartbeatInterval,
      send: (text) => this.#send(text),
    });
  }

  get state(): BridgeState {
    return this.#state.value;
  }

  /** Opens or closes the connection as the settings and the active GM say; call on any change of them. */
  refresh(): void {
    const wanted = this.#wanted();
    const haltedBefore = this.#haltedFor !== null && this.#haltedFor !== this.#target.key();
    if (wanted && (this.#state.value === "off" || haltedBefore)) this.#restart();
    else if (!wanted && this.#state.value !== "off") this.#shutDown();
  }

  /** `api.bridge.connect`: on again, with `opts` over the settings; a new URL or token, or offline, starts afresh. */
  connect(opts?: BridgeConnectOptions): void {
    const before = this.#target.key();
    this.#target.connect(opts);
    const fresh = this.#target.key() !== before || this.#state.value === "offline";
    if (fresh && this.#state.value !== "off" && this.#wanted()) this.#restart();
    else this.refresh();
  }

  /** `api.bridge.disconnect`: closes, and stays off until `connect()`. */
  disconnect(): void {
    this.#target.disconnect();
    this.#shutDown();
  }

  /**
   * Sends an event to the backend (queued while the connection is down). Rejects with TransportError when
   * the bridge is off, ValidationError or PayloadTooLargeError when the event is refused.
   */
  emit(event: string, data: unknown): Promise<void> {
    try {
      this.#outbox.push(event, data, this.#state.value === "off");
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  onStateChange(fn: (state: BridgeState) => void): () => void {
    return this.#state.listen(fn);
  }

  status(): BridgeStatus {
    return {
      state: this.#state.value,
      url: redact(this.#target.url()),
      attempts: this.#failures,
      queued: this.#outbox.length,
      ...(this.#heartbeat.rttMs !== undefined ? { rttMs: this.#heartbeat.rttMs } : {}),
      ...(this.#connectedAt !== undefined ? { connectedAt: this.#connectedAt } : {}),
      handlers: this.handlers.kinds(),
      ...this.#stats.snapshot(),
    };
  }

  dispose(): void {
    this.#shutDown();
    this.#state.clear();
  }

  #wanted(): boolean {
    const t = this.#target;
    const ready = t.enabled && t.url() !== "" && t.token() !== "";
    return ready && this.#host.isAuthority() && this.#host.socketClass() !== undefined;
  }

  /** A first attempt with the current URL and token, the failure count back to 0. */
  #restart(): void {
    this.#resetPolicy();
    this.#state.set("connecting");
    this.#open();
  }

  #resetPolicy(): void {
    this.#haltedFor = null;
    this.#timers.clear("retry");
    this.#failures = 0;
  }

  #open(): void {
    const Socket = this.#host.socketClass();
    if (!Socket || !this.#wanted()) return;
    this.#closeSocket();
    let socket: BridgeSocket;
    try {
      socket = new Socket(this.#target.url());
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
      socket.send(frames.hello(this.#target.token(), this.#host.hello()));
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
      if (this.#state.value === "offline") this.#host.notify("info", "SOCKET_MANAGER.Notify.BridgeBack");
      this.#timers.set("stable", BRIDGE_LIMITS.stableAfterMs, () => {
        this.#failures = 0;
      });
      this.#state.set("connected");
      this.#heartbeat.start();
      this.#outbox.wake();
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
        this.#heartbeat.pong(frame.id, frame.at);
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

  /** Refused (token, version, hello) or replaced: retrying cannot help until the URL or token changes. */
  #halt(reason: string, code: number): void {
    this.#closeSocket();
    this.#timers.clear("retry");
    this.#haltedFor = this.#target.key();
    this.#stats.drop(`bridge-${reason}`);
    this.#host.log.warn(`bridge: the backend closed the connection (${code} ${reason}); not retrying`);
    this.#state.set("offline");
    this.#host.notify("warn", "SOCKET_MANAGER.Notify.BridgeRefused");
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
    if (!offline) this.#state.set("reconnecting");
    else if (this.#state.value !== "offline") {
      this.#state.set("offline");
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
    this.#timers.clear("handshake", "stable");
    this.#heartbeat.stop();
    if (socket && socket.readyState <= OPEN) {
      try {
        socket.close(1000, "closing");
      } catch {
        // already closing
      }
    }
  }

  #shutDown(): void {
    this.#resetPolicy();
    this.#closeSocket();
    const dropped = this.#outbox.clear();
    if (dropped > 0) this.#stats.drop("bridge-off", dropped);
    this.#state.set("off");
  }
}
