import { type ChannelHost, type ChannelImpl, Channels } from "./channel";
import { type Clock, systemClock } from "./clock";
import { type Config, DEFAULT_CONFIG, mergeConfig } from "./config";
import { SocketManagerError } from "./contract/errors";
import { MODULE_ID } from "./contract/ids";
import type {
  ConnectionState,
  EmitOptions,
  EmitReport,
  PeerEvent,
  PeerInfo,
  PeerTestResult,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  SharedInfo,
  SharedState,
} from "./contract/types";
import type { FoundryEnv } from "./foundry/types";
import { createLogger, type Logger } from "./log";
import { Metrics } from "./metrics/metrics";
import type { ReceivePath } from "./pipeline/receive";
import type { Heartbeat } from "./reliability/heartbeat";
import { type Core, randomSession, remembering } from "./services/core";
import type { LazyReliable } from "./services/lazy-reliable";
import type { LazyRequests } from "./services/lazy-requests";
import type { Link } from "./services/link";
import type { Messages } from "./services/messages";
import type { Peers } from "./services/peers";
import type { LazySharedStates } from "./shared/lazy";
import type { TransportKind } from "./transports/transport";
import { wireServices } from "./wiring";

export interface ManagerOptions {
  env: FoundryEnv;
  config?: Partial<Config>;
  clock?: Clock;
  version?: string;
  /** Runs a function at the end of the current task (default: queueMicrotask). */
  defer?: (fn: () => void) => void;
  logger?: Logger;
  /** Random source for session ids and jitter. */
  random?: () => number;
  /** The package running this instance when it is not the module (a library's embedded copy): errors and logs name it. */
  embeddedIn?: string;
}

/**
 * The facade: builds the services (docs/ARCHITECTURE.md), wires them together, and owns the channels. Each
 * job lives in its service: Link (transport and state), Peers (hello and presence), Requests, ReliableDelivery,
 * Messages (emit), and the router at the end of the receive path.
 */
export class SocketManager implements ChannelHost {
  readonly env: FoundryEnv;
  readonly clock: Clock;
  readonly version: string;
  readonly session: string;
  readonly metrics: Metrics;
  readonly log: Logger;

  #cfg: Readonly<Config>;
  readonly #core: Core;
  readonly #channels = new Channels(this);
  readonly #readyListeners: (() => void)[] = [];
  readonly #link: Link;
  readonly #peers: Peers;
  readonly #heartbeat: Heartbeat;
  readonly #receive: ReceivePath;
  readonly #requests: LazyRequests;
  readonly #reliable: LazyReliable;
  readonly #router: { clear(): void };
  readonly #messages: Messages;
  readonly #shared: LazySharedStates;
  #unhooks: (() => void)[] = [];

  constructor(opts: ManagerOptions) {
    this.env = opts.env;
    this.clock = opts.clock ?? systemClock;
    this.version = opts.version ?? "0.0.0";
    this.#cfg = opts.config ? mergeConfig(DEFAULT_CONFIG, opts.config, opts.embeddedIn) : DEFAULT_CONFIG;
    const defer = opts.defer ?? ((fn: () => void) => queueMicrotask(fn));
    const random = opts.random ?? Math.random;
    const config = () => this.#cfg;
    this.metrics = new Metrics(
      () => this.clock.now(),
      () => this.#cfg.performanceMonitoring,
      (message) => this.log.warn(message),
    );
    const prefix =
      opts.embeddedIn === undefined ? undefined : `Socket Manager (embedded in ${opts.embeddedIn}) |`;
    this.log = remembering(
      opts.logger ?? createLogger(() => this.#cfg.enableDebugLogging, console, prefix),
      this.metrics,
    );
    this.session = randomSession(random);
    const services = wireServices({
      env: this.env,
      clock: this.clock,
      session: this.session,
      version: this.version,
      defer,
      random,
      log: this.log,
      metrics: this.metrics,
      config,
      channels: this.#channels,
      userId: () => this.userId,
    });
    this.#core = services.core;
    this.#link = services.link;
    this.#peers = services.peers;
    this.#heartbeat = services.heartbeat;
    this.#receive = services.receive;
    this.#requests = services.requests;
    this.#reliable = services.reliable;
    this.#router = services.router;
    this.#messages = services.messages;
    this.#shared = services.shared;
  }

  get config(): Readonly<Config> {
    return this.#cfg;
  }

  get state(): ConnectionState {
    return this.#link.state;
  }

  /** The transport in use; "local" only in local mode (no socket, or `api.local.enable()`). */
  get transport(): TransportKind | null {
    return this.#link.transport;
  }

  get userId(): string {
    return this.env.userId;
  }

  get outboxDepth(): number {
    return this.#core.out.outboxDepth;
  }

  get pendingRequests(): number {
    return this.#requests.pending;
  }

  /** True while the outbox replay waits for peers after a reconnect. */
  get replayHeld(): boolean {
    return this.#link.replayHeld;
  }

  configure(patch: unknown): Readonly<Config> {
    const before = this.#cfg.heartbeatInterval;
    this.#cfg = mergeConfig(this.#cfg, patch);
    if (this.#cfg.heartbeatInterval !== before) this.#heartbeat.restart();
    return this.#cfg;
  }

  /** Starts holding socket events until `start()`: call at `init` (docs/FOUNDRY.md, early events). */
  listen(): void {
    this.#link.listen();
  }

  /** Chooses the transport and starts moving messages: call at `ready`. Idempotent. */
  start(): void {
    if (this.#link.started) return;
    this.#unhooks.push(this.#peers.watch());
    this.#link.start();
    this.#heartbeat.restart();
    this.#shared.start();
    for (const fn of this.#readyListeners.splice(0)) fn();
  }

  onReady(fn: () => void): void {
    if (this.#link.started) fn();
    else this.#readyListeners.push(fn);
  }

  /** Switches transport: "local" for local mode, "detect" to go back to the one detection picks. */
  useTransport(kind: TransportKind | "detect"): void {
    if (kind === "detect") this.#link.redetect();
    else this.#link.use(kind);
  }

  onStateChange(fn: (state: ConnectionState, transport: TransportKind | null) => void): () => void {
    return this.#link.onStateChange(fn);
  }

  /** Stops everything: pending requests fail, timers stop, the transport is released. */
  dispose(): void {
    const shutDown = (moduleId: string, userId?: string) =>
      new SocketManagerError("Socket Manager was shut down", { moduleId, ...(userId ? { userId } : {}) });
    this.#shared.dispose();
    this.#requests.failEverything((call, userId) => shutDown(call.channel, userId));
    this.#reliable.abort(shutDown(MODULE_ID));
    this.#core.out.clear();
    this.#receive.clear();
    this.#router.clear();
    this.#heartbeat.stop();
    this.#link.dispose();
    for (const off of this.#unhooks.splice(0)) off();
  }

  /** Runs `fn` when this manager is disposed (what was built beside it, such as the bridge, closes too). */
  onDispose(fn: () => void): void {
    this.#unhooks.push(fn);
  }

  channel(moduleId: string): ChannelImpl {
    return this.#channels.get(moduleId);
  }

  channelList(): ChannelImpl[] {
    return this.#channels.list();
  }

  emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    return this.#messages.emit(channel, event, data, opts);
  }

  request<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestOptions,
    unbounded = false,
  ): Promise<R> {
    return this.#requests.request<R>(channel, event, data, opts, unbounded);
  }

  requestAll<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>> {
    return this.#requests.requestAll<R>(channel, event, data, opts);
  }

  /** Injects a message as if it came from `from` (default: this user), through permission and schema checks. */
  simulate(channel: string, event: string, data: unknown, from?: string): Promise<void> {
    return this.#messages.simulate(channel, event, data, from);
  }

  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void {
    return this.#peers.onPeer(kind, fn);
  }

  shared(channel: string, key: string, opts: unknown): SharedState<unknown> {
    return this.#shared.get(channel, key, opts);
  }

  disposeShared(channel: string): void {
    this.#shared.disposeModule(channel);
  }

  /** Every shared state of this client (api.shared()). */
  sharedInfo(): SharedInfo[] {
    return this.#shared.list();
  }

  /** Everyone but this user, with what presence and the heartbeat know of them. */
  peers(): PeerInfo[] {
    return this.#peers.list();
  }

  /** Round trip to every other active user (api.test()). */
  probe(timeout: number): Promise<PeerTestResult[]> {
    return this.#heartbeat.probe(
      this.#core.roster.active().filter((u) => u.id !== this.userId),
      timeout,
    );
  }
}
