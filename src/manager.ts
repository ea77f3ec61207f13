import { type ChannelHost, ChannelImpl } from "./channel";
import { type Clock, systemClock, type TimerHandle } from "./clock";
import { type Config, DEFAULT_CONFIG, mergeConfig } from "./config";
import {
  errorMessage,
  NoGMError,
  SocketManagerError,
  UserOfflineError,
  ValidationError,
} from "./contract/errors";
import { MODULE_ID } from "./contract/ids";
import type {
  ConnectionState,
  EmitOptions,
  EmitReport,
  MessageContext,
  PeerInfo,
  PeerTestResult,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
} from "./contract/types";
import type { FoundryEnv, FoundryUser } from "./foundry/types";
import { createLogger, type Logger } from "./log";
import type { Counters } from "./metrics/counters";
import { Metrics } from "./metrics/metrics";
import { Dispatcher } from "./pipeline/dispatch";
import { type Envelope, FLAG_RELIABLE, messageId, PROTOCOL_VERSION } from "./pipeline/envelope";
import { Outgoing } from "./pipeline/outgoing";
import { type Accepted, ReceivePath } from "./pipeline/receive";
import { assertEventName, assertJsonSafe, assertModuleId } from "./pipeline/validate";
import { Heartbeat } from "./reliability/heartbeat";
import { type HelloPayload, isHelloPayload, Presence } from "./reliability/presence";
import { ReliableSender } from "./reliability/reliable";
import { isAckPayload, isStreamTags, ReliableInbox } from "./reliability/streams";
import { errorFromOutcome, type PendingCall, RequestTracker, type ResponderOutcome } from "./requests";
import { Roster } from "./roster";
import { createTransport, detectTransport } from "./transports/detect";
import { EarlyFrames } from "./transports/early";
import type { IncomingFrame, LinkState, Transport, TransportKind } from "./transports/transport";

export { MODULE_ID };
/** Longest the outbox replay waits for peers to come back after a reconnect. */
export const REPLAY_SETTLE_MS = 3000;

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
}

function randomSession(random: () => number): string {
  let s = "";
  for (let i = 0; i < 10; i++) s += Math.floor(random() * 36).toString(36);
  return s;
}

/** A logger whose warnings and errors also land in the metrics' recent errors (the status window shows them). */
function remembering(log: Logger, metrics: Metrics): Logger {
  const text = (args: unknown[]) => args.map(errorMessage).join(" ");
  return {
    debug: log.debug,
    info: log.info,
    warn: (...args) => {
      metrics.noteError(text(args));
      log.warn(...args);
    },
    error: (...args) => {
      metrics.noteError(text(args));
      log.error(...args);
    },
  };
}

/** Owns the transport, the state, the channels and the pipeline between them. */
export class SocketManager implements ChannelHost {
  readonly env: FoundryEnv;
  readonly clock: Clock;
  readonly version: string;
  readonly session: string;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly #presence = new Presence();

  #cfg: Readonly<Config>;
  #network: Transport | null = null;
  #stateValue: ConnectionState = "initializing";
  #started = false;
  #wasConnected = false;
  readonly #channels = new Map<string, ChannelImpl>();
  readonly #stateListeners = new Set<(state: ConnectionState, transport: TransportKind | null) => void>();
  readonly #readyListeners: (() => void)[] = [];
  readonly #defer: (fn: () => void) => void;
  readonly #random: () => number;
  readonly #roster: Roster;
  readonly #heartbeat: Heartbeat;
  readonly #out: Outgoing;
  readonly #incoming: ReceivePath;
  readonly #requests: RequestTracker;
  readonly #dispatcher: Dispatcher;
  /** Socket events held from `init` until `start()` (Foundry replays its early events just before `ready`). */
  #early: EarlyFrames | null = null;
  /** Frames that arrive while the early ones are being handed over (one task at start), in order. */
  #inboundHeld: IncomingFrame[] | null = null;
  readonly #reliable: ReliableSender;
  readonly #reliableInbox = new ReliableInbox();
  readonly #acksDue = new Map<string, { senderSession: string; numbers: number[] }>();
  readonly #warnedProtocol = new Set<string>();
  /** After a reconnect: the peers whose hello we wait for before replaying the outbox. */
  #replay: { waitingFor: Set<string>; timer: TimerHandle } | null = null;
  #unhooks: (() => void)[] = [];

  constructor(opts: ManagerOptions) {
    this.env = opts.env;
    this.clock = opts.clock ?? systemClock;
    this.version = opts.version ?? "0.0.0";
    this.#cfg = opts.config ? mergeConfig(DEFAULT_CONFIG, opts.config) : DEFAULT_CONFIG;
    this.#defer = opts.defer ?? ((fn) => queueMicrotask(fn));
    this.#random = opts.random ?? Math.random;
    this.#roster = new Roster(
      () => this.env.users,
      () => this.env.userId,
      this.#defer,
    );
    this.metrics = new Metrics(
      () => this.clock.now(),
      () => this.#cfg.performanceMonitoring,
      (message) => this.log.warn(message),
    );
    this.log = remembering(opts.logger ?? createLogger(() => this.#cfg.enableDebugLogging), this.metrics);
    this.session = randomSession(this.#random);
    const config = () => this.#cfg;
    this.#out = new Outgoing({
      session: this.session,
      clock: this.clock,
      defer: this.#defer,
      config,
      counters: this.#counters,
      transport: () => (this.#canSend() ? this.#network : null),
      holding: () => this.#replay !== null,
      onError: (e) => this.log.error("the transport failed to send a frame:", e),
    });
    this.#heartbeat = new Heartbeat({
      clock: this.clock,
      interval: () => (this.#started ? this.#cfg.heartbeatInterval : 0),
      reachable: () => this.#peersReachable(),
      state: () => this.state,
      send: (kind, data, to, replyTo) => this.#sendControl(kind, data, to, replyTo),
      onSample: (user, rtt, offset) => {
        this.#incoming.checks.offsets.set(user.id, offset);
        this.metrics.recordRtt(user.id, user.name, rtt);
      },
    });
    this.#incoming = new ReceivePath({
      clock: this.clock,
      config,
      counters: this.#counters,
      log: this.log,
      userId: () => this.userId,
      user: (id) => this.#roster.user(id),
      accept: (message) => this.#accept(message),
    });
    this.#requests = new RequestTracker(this.clock, () => this.#counters.requestsFailed++);
    this.#dispatcher = new Dispatcher((id) => this.#channels.get(id), this.#counters, this.log);
    this.#reliable = new ReliableSender({
      out: this.#out,
      clock: this.clock,
      counters: this.#counters,
      random: this.#random,
      online: () => this.#canSend(),
    });
  }

  // ---- lifecycle and state ----------------------------------------------------------------------------

  get #counters(): Counters {
    return this.metrics.counters;
  }

  get config(): Readonly<Config> {
    return this.#cfg;
  }

  get state(): ConnectionState {
    return this.#stateValue;
  }

  /** The transport in use; "local" only in local mode (no socket, or `api.local.enable()`). */
  get transport(): TransportKind | null {
    return this.#network?.kind ?? null;
  }

  get userId(): string {
    return this.env.userId;
  }

  get outboxDepth(): number {
    return this.#out.outboxDepth;
  }

  get pendingRequests(): number {
    return this.#requests.size;
  }

  /** True while the outbox replay waits for peers after a reconnect. */
  get replayHeld(): boolean {
    return this.#replay !== null;
  }

  configure(patch: unknown): Readonly<Config> {
    const before = this.#cfg.heartbeatInterval;
    this.#cfg = mergeConfig(this.#cfg, patch);
    if (this.#cfg.heartbeatInterval !== before) this.#heartbeat.restart();
    return this.#cfg;
  }

  /**
   * Starts holding `module.socket-manager` events until `start()`: call at `init`. Foundry's socket is open
   * before `init` and replays its early events just before `ready`, so nothing sent to this client while the
   * world loads is lost; what arrives twice is handled once (the duplicate check).
   */
  listen(): void {
    const socket = this.env.socket;
    if (this.#started || this.#early || !socket) return;
    this.#early = new EarlyFrames(socket);
  }

  /** Chooses the transport and starts moving messages: call at `ready` (or `setup`). Idempotent. */
  start(): void {
    if (this.#started) return;
    if (this.env.usersLoaded === false) {
      this.log.error(
        "game.users is not loaded yet: Socket Manager was started before Foundry's setup hook. Messages cannot be attributed to users until it is.",
      );
    }
    const detection = detectTransport(this.env, this.#cfg);
    if (detection.warning) this.log.warn(detection.warning);
    this.#unhooks.push(this.#watchUsers());
    this.#started = true;
    // Held since init (listen()): what arrives during the hand-over waits behind the early events.
    if (this.#early) this.#inboundHeld = [];
    this.useTransport(detection.kind);
    this.#drainEarly();
    this.#heartbeat.restart();
    for (const fn of this.#readyListeners.splice(0)) fn();
  }

  /**
   * Hands the events held since `init` to the transport at the end of the current task, so that modules which
   * add their handlers in their own `ready` hook (after this one) still get them. Frames the transport
   * delivers meanwhile (socketlib's held ones) wait behind them.
   */
  #drainEarly(): void {
    const early = this.#early;
    const network = this.#network;
    this.#early = null;
    if (network && "earlyDropped" in network)
      this.#counters.drop("early-overflow", network.earlyDropped as number);
    if (!early) return;
    this.#defer(() => {
      const later = this.#inboundHeld ?? [];
      this.#inboundHeld = null;
      const dropped = early.drain((args) => network?.receive(args));
      if (dropped > 0) this.#counters.drop("early-overflow", dropped);
      for (const frame of later) this.#incoming.receive(frame);
    });
  }

  #inbound(frame: IncomingFrame): void {
    if (this.#inboundHeld) this.#inboundHeld.push(frame);
    else this.#incoming.receive(frame);
  }

  onReady(fn: () => void): void {
    if (this.#started) fn();
    else this.#readyListeners.push(fn);
  }

  /** Switches transport (api.local.enable() uses this to enter local mode). */
  useTransport(kind: TransportKind): void {
    this.#network?.dispose();
    this.#network = createTransport(
      kind,
      this.env,
      { frame: (f) => this.#inbound(f), connectivity: (c) => this.#onLink(c) },
      this.#defer,
    );
    if (kind === "local") return this.#setState("local-fallback");
    this.#onLink(this.#network.connected ? "up" : "down");
  }

  onStateChange(fn: (state: ConnectionState, transport: TransportKind | null) => void): () => void {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  channel(moduleId: string): ChannelImpl {
    assertModuleId(moduleId);
    let channel = this.#channels.get(moduleId);
    if (!channel) {
      channel = new ChannelImpl(moduleId, this, moduleId === MODULE_ID);
      this.#channels.set(moduleId, channel);
    }
    return channel;
  }

  channelList(): ChannelImpl[] {
    return [...this.#channels.values()];
  }

  /** Stops everything: pending requests fail, timers stop, the transport is released. */
  dispose(): void {
    const shutDown = (moduleId: string, userId?: string) =>
      new SocketManagerError("Socket Manager was shut down", { moduleId, ...(userId ? { userId } : {}) });
    this.#requests.failEverything((call, userId) => shutDown(call.channel, userId));
    this.#reliable.abort(shutDown(MODULE_ID));
    this.#out.clear();
    this.#incoming.clear();
    this.#early?.stop();
    this.#early = null;
    this.#heartbeat.stop();
    this.#releaseReplay(false);
    this.#network?.dispose();
    this.#network = null;
    for (const off of this.#unhooks.splice(0)) off();
  }

  #setState(state: ConnectionState): void {
    if (state === this.#stateValue) return;
    this.#stateValue = state;
    this.log.debug(`state: ${state} (${this.transport})`);
    for (const fn of [...this.#stateListeners]) {
      try {
        fn(state, this.transport);
      } catch (e) {
        this.log.error("an onStateChange callback threw", e);
      }
    }
    this.env.hooks.callAll(`${MODULE_ID}.stateChanged`, state, this.transport);
  }

  /**
   * Follows Foundry's socket, never drives it (docs/FOUNDRY.md): "down" is Foundry retrying (reconnecting),
   * "gave-up" its last attempt failing (offline; Foundry then leaves the page). Requests keep their targets
   * throughout: nothing addressed to another user is answered here.
   */
  #onLink(link: LinkState): void {
    if (this.#network?.kind === "local") return;
    if (link === "gave-up") {
      this.#releaseReplay(false);
      this.#setState("offline");
      this.log.warn("Foundry's socket gave up reconnecting: Socket Manager is offline");
      return;
    }
    if (link === "down") {
      this.#releaseReplay(false);
      this.#setState("reconnecting");
      return;
    }
    const reconnected = this.#wasConnected;
    if (reconnected) this.#counters.reconnections++;
    this.#wasConnected = true;
    this.#setState("connected");
    this.#sayHello(undefined, true);
    if (reconnected) this.#holdReplay();
    else this.#out.flushOutbox();
  }

  /**
   * After an outage every client reconnects on its own schedule; frames sent before a peer is back are lost
   * to it. So the outbox waits until each peer known before the outage said hello again, or REPLAY_SETTLE_MS.
   */
  #holdReplay(): void {
    this.#releaseReplay(false);
    const waitingFor = new Set(
      this.#presence
        .all()
        .map((p) => p.userId)
        .filter((id) => this.#roster.user(id)?.active),
    );
    if (waitingFor.size === 0) return this.#out.flushOutbox();
    const timer = this.clock.setTimeout(() => this.#releaseReplay(true), REPLAY_SETTLE_MS);
    this.#replay = { waitingFor, timer };
  }

  #releaseReplay(flush: boolean): void {
    if (this.#replay) this.clock.clearTimeout(this.#replay.timer);
    this.#replay = null;
    if (flush) this.#out.flushOutbox();
  }

  /** A notification for GMs (players get the console line only). */
  #gmNotice(level: "info" | "warn", key: string, data: Record<string, string | number>): void {
    const message = this.env.localize(key, data);
    if (this.#roster.user(this.userId)?.isGM) this.env.notify(level, message);
    else this.log.info(message);
  }

  #canSend(): boolean {
    return this.#started && this.#network?.connected === true;
  }

  // ---- users and presence ------------------------------------------------------------------------------

  #watchUsers(): () => void {
    const fn = (user: FoundryUser, connected: boolean) => {
      if (connected) this.#sayHello([user.id], false);
      else this.#onUserLeft(user.id);
    };
    const id = this.env.hooks.on("userConnected", fn as (...args: never[]) => unknown);
    return () => this.env.hooks.off("userConnected", id);
  }

  #sayHello(to: string[] | undefined, reply: boolean): void {
    if (!this.#peersReachable()) return;
    const hello: HelloPayload = {
      v: this.version,
      p: PROTOCOL_VERSION,
      tr: this.#network?.kind ?? "native",
      s: this.session,
    };
    if (reply) hello.reply = 1;
    // Control traffic: it must pass the replay hold, since the hold waits for exactly these hellos.
    this.#sendControl("hello", hello, to);
  }

  /** True when a network transport is connected: the only case where peer control traffic makes sense. */
  #peersReachable(): boolean {
    return this.#canSend() && this.#network?.kind !== "local";
  }

  /** Sends a control envelope (hello, ping, pong, ack): high priority, volatile, and past the replay hold. */
  #sendControl(
    kind: "hello" | "ping" | "pong" | "ack",
    data: unknown,
    to: string[] | undefined,
    replyTo?: string,
  ): void {
    const env = this.#out.envelope(kind, MODULE_ID, `$${kind}`, data, to);
    if (replyTo !== undefined) env.r = replyTo;
    this.#out.send(env, { priority: "high", volatile: true, control: true });
  }

  #onHello(payload: unknown, sender: FoundryUser): void {
    if (!isHelloPayload(payload)) return this.#counters.drop("envelope-shape");
    const { peer, isNew, sessionChanged } = this.#presence.hello(sender.id, payload, this.clock.now());
    if (this.#replay?.waitingFor.delete(sender.id) && this.#replay.waitingFor.size === 0)
      this.#releaseReplay(true);
    if (sessionChanged) this.#reliable.peerRestarted(sender.id, peer.session);
    if (payload.p !== PROTOCOL_VERSION && !this.#warnedProtocol.has(`${sender.id}/${payload.s}`)) {
      this.#warnedProtocol.add(`${sender.id}/${payload.s}`);
      const data = { name: sender.name, theirs: payload.p, ours: PROTOCOL_VERSION, version: payload.v };
      this.log.warn(
        `${sender.name} runs Socket Manager ${payload.v} with protocol ${payload.p} (ours: ${PROTOCOL_VERSION})`,
      );
      this.#gmNotice("warn", "SOCKET_MANAGER.Notify.ProtocolMismatch", data);
    }
    if (payload.reply) this.#sayHello([sender.id], false);
    if (isNew || sessionChanged) this.#heartbeat.ping([sender.id]);
  }

  /** Everyone but this user, with what presence and the heartbeat know of them. */
  peers(): PeerInfo[] {
    return [...this.env.users]
      .filter((u) => u.id !== this.userId)
      .map((u) => {
        const peer = this.#presence.get(u.id);
        const estimate = this.#heartbeat.clocks.best(u.id);
        const rtt = this.#heartbeat.clocks.latestRtt(u.id);
        const info: PeerInfo = {
          userId: u.id,
          name: u.name,
          role: u.role,
          isGM: u.isGM,
          active: u.active,
          hasModule: peer !== undefined,
        };
        if (peer)
          Object.assign(info, {
            moduleVersion: peer.version,
            protocol: peer.protocol,
            transport: peer.transport,
          });
        if (rtt !== undefined) info.rttMs = rtt;
        if (estimate) info.clockOffsetMs = estimate.offset;
        return info;
      });
  }

  /** Round trip to every other active user (api.test()). */
  probe(timeout: number): Promise<PeerTestResult[]> {
    return this.#heartbeat.probe(
      this.#roster.active().filter((u) => u.id !== this.userId),
      timeout,
    );
  }

  #onUserLeft(userId: string): void {
    for (const call of this.#requests.waitingFor(userId)) {
      const details = { moduleId: call.channel, event: call.event, userId };
      if (!call.toGM) {
        const error = new UserOfflineError(`user ${userId} disconnected before answering`, details);
        this.#requests.record(call, userId, { ok: false, error });
        continue;
      }
      const next = this.#roster.pickGM(userId);
      if (!next) {
        const error = new NoGMError("the answering GM left and no other GM is connected", details);
        this.#requests.record(call, userId, { ok: false, error });
        continue;
      }
      // Another GM takes over under a new id, so a late answer from the old GM is ignored.
      this.log.debug(`GM ${userId} left; ${next.id} takes over ${call.channel} "${call.event}"`);
      const env = this.#out.envelope("req", call.channel, call.event, call.data, [next.id]);
      this.#requests.reassign(call, userId, next.id, messageId(this.session, env.q));
      if (next.id === this.userId) this.#answerLocally(call);
      else this.#sendRequest(call, env);
    }
  }

  // ---- sending -----------------------------------------------------------------------------------------

  #checkTimeout(timeout: unknown, channel: string, event: string): number {
    if (timeout === undefined) return this.#cfg.requestTimeout;
    if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > 3_600_000) {
      throw new ValidationError("timeout must be a number of milliseconds from 1 to 3600000", {
        moduleId: channel,
        event,
      });
    }
    return timeout;
  }

  async emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    assertEventName(event, channel, channel === MODULE_ID);
    // A coalesced stream waits for the batch window by default: replacing an unsent message only happens if
    // messages wait, and each tick of a 60 Hz stream runs in its own task.
    const priority = opts.priority ?? (opts.coalesce === undefined ? "normal" : "low");
    if (priority !== "low" && priority !== "normal" && priority !== "high") {
      throw new ValidationError(`priority must be "low", "normal" or "high"`, { moduleId: channel, event });
    }
    if (opts.coalesce !== undefined && typeof opts.coalesce !== "string") {
      throw new ValidationError("coalesce must be a string key", { moduleId: channel, event });
    }
    if (opts.reliable && (opts.coalesce !== undefined || opts.volatile)) {
      throw new ValidationError("a reliable message cannot also be volatile or coalesced", {
        moduleId: channel,
        event,
      });
    }
    const target = this.#roster.resolve(opts.to ?? "others", channel, event);
    const env = this.#out.envelope("msg", channel, event, data, target.wire);
    const id = messageId(this.session, env.q);
    if (opts.reliable)
      return this.#emitReliable(env, id, target, this.#checkTimeout(opts.timeout, channel, event));
    // In local mode a message that includes this client is delivered once, not also looped back.
    const networked =
      (target.wire === undefined || target.wire.length > 0) &&
      !(this.#network?.kind === "local" && target.self);
    let queued = false;
    let bytes = 0;
    if (networked) {
      const coalesce = opts.coalesce === undefined ? undefined : `${channel}\u0000${opts.coalesce}`;
      ({ queued, bytes } = this.#out.send(env, { priority, coalesce, volatile: opts.volatile }));
    } else {
      assertJsonSafe(data, channel, event);
    }
    if (target.self) this.#deliverToSelf(env, id);
    this.#counters.messagesSent++;
    this.metrics.sent(channel, event, bytes, env.a);
    return { messageId: id, recipients: target.recipients, queued };
  }

  async #emitReliable(
    env: Envelope,
    id: string,
    target: { self: boolean; recipients: string[] },
    timeout: number,
  ): Promise<EmitReport> {
    assertJsonSafe(env.d, env.c, env.e);
    // Reliable recipients are the peers known to run Socket Manager (they said hello).
    const peers = target.recipients
      .filter((userId) => userId !== this.userId)
      .flatMap((userId) => {
        const peer = this.#presence.get(userId);
        return peer ? [{ userId, session: peer.session }] : [];
      });
    const recipients = peers.map((p) => p.userId);
    if (target.self) {
      this.#deliverToSelf(env, id);
      recipients.push(this.userId);
    }
    const sent =
      this.#network?.kind === "local"
        ? { queued: false, acked: Promise.resolve([]) }
        : this.#reliable.send(env, peers, timeout);
    this.#counters.messagesSent++;
    this.metrics.sent(env.c, env.e, 0);
    const acked = await sent.acked;
    return {
      messageId: id,
      recipients,
      queued: sent.queued,
      acked: target.self ? [...acked, this.userId] : acked,
    };
  }

  #deliverToSelf(env: Envelope, id: string): void {
    const me = this.#roster.user(this.userId);
    if (!me) return;
    const data = env.d === undefined ? undefined : structuredClone(env.d);
    const ctx = this.#context(env, id, me, this.transport ?? "local", false);
    this.#defer(() => void this.#dispatcher.message(data, ctx));
  }

  async request<R>(channel: string, event: string, data: unknown, opts: RequestOptions): Promise<R> {
    assertEventName(event, channel, channel === MODULE_ID);
    const timeout = this.#checkTimeout(opts.timeout, channel, event);
    const to = opts.to ?? "gm";
    if (typeof to !== "string")
      throw new ValidationError(`request "to" must be "gm" or a user id`, { moduleId: channel, event });
    const details = { moduleId: channel, event, userId: to };
    let target: string;
    if (this.transport === "local") {
      target = this.userId;
    } else if (to === "gm") {
      const gm = this.#roster.pickGM();
      if (!gm) throw new NoGMError("no GM is connected to answer", { moduleId: channel, event });
      target = gm.id;
    } else {
      const user = this.#roster.user(to);
      if (!user) throw new UserOfflineError(`no user with id "${to}" exists`, details);
      if (!user.active && user.id !== this.userId)
        throw new UserOfflineError(`user "${user.name}" is not connected`, details);
      target = to;
    }
    const results = await this.#call(channel, event, data, [target], timeout, to === "gm");
    // One target, one result (under the id of whichever GM finally answered).
    const result = results.values().next().value;
    if (!result)
      throw new SocketManagerError("request settled without a result", { moduleId: channel, event });
    if (!result.ok) throw result.error;
    return result.value as R;
  }

  async requestAll<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>> {
    assertEventName(event, channel, channel === MODULE_ID);
    const timeout = this.#checkTimeout(opts.timeout, channel, event);
    const targets =
      this.transport === "local"
        ? [this.userId]
        : this.#roster.resolve(opts.to ?? "others", channel, event).recipients;
    return (await this.#call(channel, event, data, targets, timeout, false)) as Map<string, RequestResult<R>>;
  }

  /** Sends one request to `targets` and settles when each answered, failed, left or timed out. */
  #call(
    channel: string,
    event: string,
    data: unknown,
    targets: string[],
    timeout: number,
    toGM: boolean,
  ): Promise<Map<string, RequestResult<unknown>>> {
    assertJsonSafe(data, channel, event);
    const local = this.transport === "local";
    const network = local ? [] : targets.filter((id) => id !== this.userId);
    const env = this.#out.envelope("req", channel, event, data, network);
    const id = messageId(this.session, env.q);
    const { call, settled } = this.#requests.open({ id, channel, event, data, toGM, targets, timeout });
    this.#counters.requestsSent++;
    this.metrics.sent(channel, event, 0);
    if (local || targets.includes(this.userId)) this.#answerLocally(call);
    if (network.length > 0) this.#sendRequest(call, env);
    return settled;
  }

  #sendRequest(call: PendingCall, env: Envelope): void {
    try {
      this.#out.send(env, { priority: "high" });
    } catch (e) {
      this.#requests.failAll(call, () => (e instanceof Error ? e : new SocketManagerError(String(e))));
    }
  }

  #answerLocally(call: PendingCall): void {
    const me = this.#roster.user(this.userId);
    if (!me) {
      this.#requests.record(call, this.userId, {
        ok: false,
        error: new UserOfflineError("this user is unknown"),
      });
      return;
    }
    const env = this.#out.envelope("req", call.channel, call.event, call.data, [this.userId]);
    const ctx = this.#context(env, call.id, me, this.transport ?? "local", this.transport === "local");
    const data = call.data === undefined ? undefined : structuredClone(call.data);
    this.#defer(() => {
      void this.#dispatcher.request(data, ctx).then((outcome) => {
        this.#requests.record(call, this.userId, this.#toResult(outcome, call, this.userId));
      });
    });
  }

  #toResult(outcome: ResponderOutcome, call: PendingCall, userId: string): RequestResult<unknown> {
    if (outcome.ok) return { ok: true, value: outcome.value };
    return {
      ok: false,
      error: errorFromOutcome(outcome, call, userId, this.#roster.user(userId)?.name ?? userId),
    };
  }

  // ---- receiving -------------------------------------------------------------------------------------------

  /** Routes one envelope that passed the generic checks of the receive path. */
  #accept({ env, session, sender, frame, bytes, receivedAt }: Accepted): void {
    this.#counters.messagesReceived++;
    if (this.#cfg.logAllMessages) this.log.info(`← ${env.k} ${env.c} "${env.e}" from ${sender.name}`, env.d);
    const ctx = this.#context(env, messageId(session, env.q), sender, frame.via, frame.simulated, receivedAt);
    switch (env.k) {
      case "msg":
        this.metrics.received(env.c, env.e, bytes, receivedAt);
        if (!frame.simulated) this.metrics.recordLatency(sender.id, sender.name, ctx.latencyMs);
        if ((env.f ?? 0) & FLAG_RELIABLE && !frame.simulated) return this.#acceptReliable(env, session, ctx);
        void this.#dispatcher.message(env.d, ctx);
        return;
      case "req":
        this.metrics.received(env.c, env.e, bytes, receivedAt);
        void this.#answerRemote(env, ctx);
        return;
      case "res":
      case "err":
        return this.#acceptReply(env, sender.id);
      case "hello":
        return this.#onHello(env.d, sender);
      case "ping":
        if (!this.#heartbeat.answer(env.d, ctx.receivedAt, ctx.senderId, ctx.messageId))
          this.#counters.drop("envelope-shape");
        return;
      case "pong":
        if (!this.#heartbeat.pong(env.d, sender)) this.#counters.drop("envelope-shape");
        return;
      case "ack":
        if (!isAckPayload(env.d) || env.d[0] !== this.session) return this.#counters.drop("reliable-stale");
        return this.#reliable.ack(sender.id, env.d[1], env.d[2]);
      default:
        this.#counters.drop("envelope-shape");
    }
  }

  #acceptReliable(env: Envelope, session: string, ctx: MessageContext): void {
    const tag = env.o?.[this.userId];
    if (!tag || !isStreamTags({ tag })) return this.#counters.drop("envelope-shape");
    const verdict = this.#reliableInbox.receive(`${ctx.senderId}/${session}`, this.session, tag, () => {
      void this.#dispatcher.message(env.d, ctx);
    });
    if (verdict === "stale") return this.#counters.drop("reliable-stale");
    if (verdict === "overflow") return this.#counters.drop("reliable-overflow");
    if (verdict === "duplicate") this.#counters.drop("duplicate");
    this.#queueAck(ctx.senderId, session, tag[1]);
  }

  /** Acks are batched: one ack envelope per sender at the end of the task. */
  #queueAck(senderId: string, senderSession: string, n: number): void {
    const key = `${senderId}/${senderSession}`;
    const due = this.#acksDue.get(key);
    if (due) return void due.numbers.push(n);
    this.#acksDue.set(key, { senderSession, numbers: [n] });
    this.#defer(() => {
      const entry = this.#acksDue.get(key);
      this.#acksDue.delete(key);
      if (!entry) return;
      this.#sendControl("ack", [entry.senderSession, this.session, entry.numbers], [senderId]);
    });
  }

  #context(
    env: Envelope,
    id: string,
    sender: FoundryUser,
    via: TransportKind,
    simulated: boolean,
    receivedAt = this.clock.now(),
  ): MessageContext {
    return Object.freeze({
      moduleId: env.c,
      event: env.e,
      messageId: id,
      senderId: sender.id,
      sender,
      sentAt: env.a,
      receivedAt,
      latencyMs: this.#incoming.checks.latency(env.a, sender.id, receivedAt),
      transport: via,
      simulated,
    });
  }

  async #answerRemote(env: Envelope, ctx: MessageContext): Promise<void> {
    const outcome = await this.#dispatcher.request(env.d, ctx);
    const payload = outcome.ok
      ? outcome.value
      : { code: outcome.code, message: outcome.message, issues: outcome.issues };
    const reply = this.#out.envelope(outcome.ok ? "res" : "err", env.c, env.e, payload, [ctx.senderId]);
    reply.r = ctx.messageId;
    try {
      this.#out.send(reply, { priority: "high" });
    } catch (e) {
      // The answer itself could not be sent (too large): tell the requester rather than leave it waiting.
      const failure = {
        code: "RemoteHandlerError",
        message: `the answer could not be sent: ${errorMessage(e)}`,
      };
      const fallback = this.#out.envelope("err", env.c, env.e, failure, [ctx.senderId]);
      fallback.r = ctx.messageId;
      this.#out.send(fallback, { priority: "high" });
    }
  }

  #acceptReply(env: Envelope, senderId: string): void {
    const call = env.r === undefined ? undefined : this.#requests.get(env.r);
    if (!call?.waiting.has(senderId)) return this.#counters.drop("stale-reply");
    if (env.k === "res") return this.#requests.record(call, senderId, { ok: true, value: env.d });
    const who = this.#roster.user(senderId)?.name ?? senderId;
    this.#requests.record(call, senderId, { ok: false, error: errorFromOutcome(env.d, call, senderId, who) });
  }

  /** Injects a message as if it came from `from` (default: this user), through permission and schema checks. */
  async simulate(channel: string, event: string, data: unknown, from?: string): Promise<void> {
    assertModuleId(channel);
    assertEventName(event, channel, true);
    const sender = this.#roster.user(from ?? this.userId);
    if (!sender)
      throw new ValidationError(`simulate(): no user with id "${from}"`, { moduleId: channel, event });
    assertJsonSafe(data, channel, event);
    const env = this.#out.envelope(
      "msg",
      channel,
      event,
      data === undefined ? undefined : structuredClone(data),
      undefined,
    );
    const ctx = this.#context(env, messageId(this.session, env.q), sender, this.transport ?? "local", true);
    await this.#dispatcher.message(env.d, ctx);
  }
}
