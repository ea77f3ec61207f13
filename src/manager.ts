import { type ChannelHost, ChannelImpl } from "./channel";
import { type Clock, systemClock } from "./clock";
import { type Config, DEFAULT_CONFIG, mergeConfig } from "./config";
import {
  NoGMError,
  PayloadTooLargeError,
  SocketManagerError,
  UserOfflineError,
  ValidationError,
} from "./errors";
import type { FoundryEnv, FoundryUser } from "./foundry/types";
import { createLogger, type Logger } from "./log";
import { Counters } from "./metrics/counters";
import { Batcher, type BatchItem, type Priority } from "./pipeline/batcher";
import { isChunkPayload, Reassembler, splitText } from "./pipeline/chunker";
import {
  decodeFrame,
  encodeEnvelope,
  encodeFrame,
  isValidEnvelope,
  parseSafe,
  utf8Length,
} from "./pipeline/codec";
import { Dispatcher } from "./pipeline/dispatch";
import { type Envelope, isAddressedTo, type Kind, messageId } from "./pipeline/envelope";
import { InboundChecks } from "./pipeline/inbound";
import { assertEventName, assertJsonSafe, assertModuleId } from "./pipeline/validate";
import { Outbox } from "./reliability/outbox";
import { errorFromOutcome, type PendingCall, RequestTracker, type ResponderOutcome } from "./requests";
import { createTransport, detectTransport } from "./transports/detect";
import type { IncomingFrame, Transport, TransportKind, TransportSink } from "./transports/transport";
import type {
  ConnectionState,
  EmitOptions,
  EmitReport,
  MessageContext,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  Target,
} from "./types";

export const MODULE_ID = "socket-manager";
/** socket.io's default maxHttpBufferSize: nothing larger can reach us anyway. */
const MAX_INCOMING_FRAME = 1_000_000;
/** Room kept in every frame for the frame header and one chunk envelope's own fields. */
const FRAME_OVERHEAD = 512;
/** All senders' half-rebuilt chunked messages together. */
const MAX_REASSEMBLY_BYTES = 64 * 1024 * 1024;

export interface ManagerOptions {
  env: FoundryEnv;
  config?: Partial<Config>;
  clock?: Clock;
  version?: string;
  /** Runs a function at the end of the current task (default: queueMicrotask). */
  defer?: (fn: () => void) => void;
  logger?: Logger;
  /** Random source for session ids. */
  random?: () => number;
}

interface QueuedEnvelope extends BatchItem {
  readonly at: number;
  readonly volatile: boolean;
}

interface SendOptions {
  priority: Priority;
  coalesce?: string | undefined;
  volatile?: boolean | undefined;
}

function randomSession(random: () => number): string {
  let s = "";
  for (let i = 0; i < 10; i++) s += Math.floor(random() * 36).toString(36);
  return s;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Owns the transport, the state, the channels and the pipeline between them. */
export class SocketManager implements ChannelHost {
  readonly env: FoundryEnv;
  readonly clock: Clock;
  readonly version: string;
  readonly session: string;
  readonly counters = new Counters();
  readonly log: Logger;

  private cfg: Readonly<Config>;
  private transportImpl: Transport | null = null;
  private stateValue: ConnectionState = "initializing";
  private seq = 0;
  private started = false;
  private readonly channels = new Map<string, ChannelImpl>();
  private readonly stateListeners = new Set<
    (state: ConnectionState, transport: TransportKind | null) => void
  >();
  private readonly readyListeners: (() => void)[] = [];
  private readonly defer: (fn: () => void) => void;
  private readonly sink: TransportSink;
  private readonly batcher: Batcher<QueuedEnvelope>;
  private readonly outbox: Outbox<QueuedEnvelope>;
  private readonly inbound: InboundChecks;
  private readonly reassembler: Reassembler;
  private readonly requests: RequestTracker;
  private readonly dispatcher: Dispatcher;
  private unhookUsers: (() => void) | null = null;

  constructor(opts: ManagerOptions) {
    this.env = opts.env;
    this.clock = opts.clock ?? systemClock;
    this.version = opts.version ?? "0.0.0";
    this.cfg = opts.config ? mergeConfig(DEFAULT_CONFIG, opts.config) : DEFAULT_CONFIG;
    this.defer = opts.defer ?? ((fn) => queueMicrotask(fn));
    this.log = opts.logger ?? createLogger(() => this.cfg.enableDebugLogging);
    this.session = randomSession(opts.random ?? Math.random);
    this.batcher = new Batcher<QueuedEnvelope>({
      limits: () => ({
        maxCount: this.cfg.batchSize,
        maxBytes: this.frameBudget(),
        windowMs: this.cfg.batchTimeout,
      }),
      clock: this.clock,
      defer: this.defer,
      send: (items) => this.sendFrame(items),
      onCoalesced: () => this.counters.coalesced++,
    });
    this.outbox = new Outbox<QueuedEnvelope>(
      () => ({ size: this.cfg.outboxSize, maxAge: this.cfg.maxMessageAge }),
      (reason) => this.counters.drop(reason),
    );
    this.inbound = new InboundChecks(() => this.cfg, this.clock);
    this.reassembler = new Reassembler(
      () => ({
        maxMessageBytes: this.cfg.maxPayloadBytes,
        maxTotalBytes: MAX_REASSEMBLY_BYTES,
        maxAgeMs: this.cfg.maxMessageAge,
      }),
      this.clock,
      (n) => this.counters.drop("chunk-incomplete", n),
    );
    this.requests = new RequestTracker(this.clock, () => this.counters.requestsFailed++);
    this.dispatcher = new Dispatcher((id) => this.channels.get(id), this.counters, this.log);
    this.sink = {
      frame: (frame) => this.receive(frame),
      connectivity: (connected) => this.onConnectivity(connected),
    };
  }

  // ---- lifecycle and state ----------------------------------------------------------------------------

  get config(): Readonly<Config> {
    return this.cfg;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get transport(): TransportKind | null {
    return this.transportImpl?.kind ?? null;
  }

  get userId(): string {
    return this.env.userId;
  }

  get outboxDepth(): number {
    return this.outbox.size;
  }

  get pendingRequests(): number {
    return this.requests.size;
  }

  get isReady(): boolean {
    return this.started;
  }

  configure(patch: unknown): Readonly<Config> {
    this.cfg = mergeConfig(this.cfg, patch);
    return this.cfg;
  }

  /** Chooses the transport and starts moving messages. Idempotent. */
  start(): void {
    if (this.started) return;
    const detection = detectTransport(this.env, this.cfg);
    if (detection.warning) this.log.warn(detection.warning);
    this.unhookUsers = this.watchUsers();
    this.started = true;
    this.useTransport(detection.kind);
    for (const fn of this.readyListeners.splice(0)) fn();
  }

  onReady(fn: () => void): void {
    if (this.started) fn();
    else this.readyListeners.push(fn);
  }

  /** Switches transport (api.local.enable(), fallback and recovery). */
  useTransport(kind: TransportKind): void {
    this.transportImpl?.dispose();
    this.transportImpl = createTransport(kind, this.env, this.sink, this.defer);
    if (kind === "local") this.setState("local-fallback");
    else this.setState(this.transportImpl.connected ? "connected" : "reconnecting");
    if (this.canSend()) this.flushOutbox();
  }

  onStateChange(fn: (state: ConnectionState, transport: TransportKind | null) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  channel(moduleId: string): ChannelImpl {
    assertModuleId(moduleId);
    let channel = this.channels.get(moduleId);
    if (!channel) {
      channel = new ChannelImpl(moduleId, this, moduleId === MODULE_ID);
      this.channels.set(moduleId, channel);
    }
    return channel;
  }

  channelList(): ChannelImpl[] {
    return [...this.channels.values()];
  }

  /** Stops everything: pending requests fail, timers stop, the transport is released. */
  dispose(): void {
    this.requests.failEverything(
      (call, userId) =>
        new SocketManagerError("Socket Manager was shut down", { moduleId: call.channel, userId }),
    );
    this.batcher.clear();
    this.outbox.clear();
    this.reassembler.clear();
    this.transportImpl?.dispose();
    this.transportImpl = null;
    this.unhookUsers?.();
    this.unhookUsers = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.log.debug(`state: ${state} (${this.transport})`);
    for (const fn of [...this.stateListeners]) {
      try {
        fn(state, this.transport);
      } catch (e) {
        this.log.error("an onStateChange callback threw", e);
      }
    }
    this.env.hooks.callAll(`${MODULE_ID}.stateChanged`, state, this.transport);
  }

  private onConnectivity(connected: boolean): void {
    if (this.transport === "local") return;
    this.setState(connected ? "connected" : "reconnecting");
    if (connected) this.flushOutbox();
  }

  private canSend(): boolean {
    return this.started && this.transportImpl?.connected === true;
  }

  // ---- users -------------------------------------------------------------------------------------------

  private watchUsers(): () => void {
    const fn = (user: FoundryUser, connected: boolean) => {
      if (!connected) this.onUserLeft(user.id);
    };
    const id = this.env.hooks.on("userConnected", fn as (...args: never[]) => unknown);
    return () => this.env.hooks.off("userConnected", id);
  }

  private user(id: string): FoundryUser | undefined {
    return this.env.users.get(id);
  }

  private activeUsers(): FoundryUser[] {
    const out: FoundryUser[] = [];
    for (const u of this.env.users) if (u.active || u.id === this.userId) out.push(u);
    return out;
  }

  /** The designated GM, as Foundry picks it (full GM over assistant, then lowest id), minus `exclude`. */
  pickGM(exclude?: string): FoundryUser | null {
    const designated = this.env.users.activeGM;
    if (designated && designated.id !== exclude && (designated.active || designated.id === this.userId)) {
      return designated;
    }
    const gms = this.activeUsers().filter((u) => u.isGM && u.id !== exclude);
    gms.sort((a, b) => b.role - a.role || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return gms[0] ?? null;
  }

  private onUserLeft(userId: string): void {
    for (const call of this.requests.waitingFor(userId)) {
      const details = { moduleId: call.channel, event: call.event, userId };
      if (!call.toGM) {
        const error = new UserOfflineError(`user ${userId} disconnected before answering`, details);
        this.requests.record(call, userId, { ok: false, error });
        continue;
      }
      const next = this.pickGM(userId);
      if (!next) {
        const error = new NoGMError("the answering GM left and no other GM is connected", details);
        this.requests.record(call, userId, { ok: false, error });
        continue;
      }
      // Another GM takes over under a new id, so a late answer from the old GM is ignored.
      this.log.debug(`GM ${userId} left; ${next.id} takes over ${call.channel} "${call.event}"`);
      const env = this.envelope("req", call.channel, call.event, call.data, [next.id]);
      this.requests.reassign(call, userId, next.id, messageId(this.session, env.q));
      if (next.id === this.userId) this.answerLocally(call);
      else this.sendRequest(call, env);
    }
  }

  // ---- sending -----------------------------------------------------------------------------------------

  private envelope(
    kind: Kind,
    channel: string,
    event: string,
    data: unknown,
    to: string[] | undefined,
  ): Envelope {
    const env: Envelope = { q: ++this.seq, k: kind, c: channel, e: event, a: this.clock.now() };
    if (data !== undefined) env.d = data;
    if (to !== undefined) env.t = to;
    return env;
  }

  /** Bytes available for envelopes in one frame. */
  private frameBudget(): number {
    return this.cfg.maxFrameBytes - FRAME_OVERHEAD;
  }

  private checkTimeout(timeout: unknown, channel: string, event: string): number {
    if (timeout === undefined) return this.cfg.requestTimeout;
    if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > 3_600_000) {
      throw new ValidationError("timeout must be a number of milliseconds from 1 to 3600000", {
        moduleId: channel,
        event,
      });
    }
    return timeout;
  }

  /** Resolves a target into: deliver here too?, who to address on the wire (undefined: everyone). */
  private resolveTarget(
    to: Target,
    channel: string,
    event: string,
  ): { self: boolean; wire: string[] | undefined; recipients: string[] } {
    const me = this.userId;
    const others = () =>
      this.activeUsers()
        .filter((u) => u.id !== me)
        .map((u) => u.id);
    switch (to) {
      case "others":
        return { self: false, wire: undefined, recipients: others() };
      case "all":
        return { self: true, wire: undefined, recipients: [me, ...others()] };
      case "self":
        return { self: true, wire: [], recipients: [me] };
      case "gm": {
        const gm = this.pickGM();
        if (!gm) throw new NoGMError("no GM is connected", { moduleId: channel, event });
        if (gm.id === me) return { self: true, wire: [], recipients: [me] };
        return { self: false, wire: [gm.id], recipients: [gm.id] };
      }
      case "gms": {
        const gms = this.activeUsers()
          .filter((u) => u.isGM)
          .map((u) => u.id);
        return { self: gms.includes(me), wire: gms.filter((id) => id !== me), recipients: gms };
      }
    }
    if (!Array.isArray(to) || to.some((id) => typeof id !== "string")) {
      throw new ValidationError(`"to" must be "others", "all", "self", "gm", "gms" or an array of user ids`, {
        moduleId: channel,
        event,
      });
    }
    const ids = [...new Set(to)];
    return { self: ids.includes(me), wire: ids.filter((id) => id !== me), recipients: ids };
  }

  /** Encodes an envelope after checking its payload; throws ValidationError / PayloadTooLargeError. */
  private seal(env: Envelope): { text: string; bytes: number } {
    assertJsonSafe(env.d, env.c, env.e);
    const text = encodeEnvelope(env);
    const limit = this.cfg.maxPayloadBytes;
    const bytes = text.length * 3 <= limit ? text.length : utf8Length(text);
    if (bytes > limit) {
      throw new PayloadTooLargeError(`payload is ${bytes} bytes; the limit (maxPayloadBytes) is ${limit}`, {
        moduleId: env.c,
        event: env.e,
      });
    }
    return { text, bytes: text.length === bytes ? bytes : utf8Length(text) };
  }

  /** Queues an envelope, cut into chunks when it does not fit one frame. Returns whether it waits offline. */
  private send(env: Envelope, opts: SendOptions): boolean {
    const sealed = this.seal(env);
    const budget = this.frameBudget();
    if (sealed.bytes <= budget) return this.enqueue(sealed.text, sealed.bytes, opts);
    // Chunks keep the parent's targets; they are never coalesced (a partial set would be useless).
    const pieces = splitText(sealed.text, budget - FRAME_OVERHEAD);
    let queued = false;
    pieces.forEach((piece, index) => {
      const chunk = this.envelope("chunk", env.c, env.e, [env.q, index, pieces.length, piece], env.t);
      const text = encodeEnvelope(chunk);
      queued =
        this.enqueue(text, utf8Length(text), { priority: opts.priority, volatile: opts.volatile }) || queued;
    });
    return queued;
  }

  private enqueue(text: string, bytes: number, opts: SendOptions): boolean {
    const item: QueuedEnvelope = {
      text,
      bytes,
      priority: opts.priority,
      coalesce: opts.coalesce,
      volatile: opts.volatile === true,
      at: this.clock.now(),
    };
    if (this.canSend()) {
      this.batcher.push(item);
      return false;
    }
    this.park(item);
    return true;
  }

  private park(item: QueuedEnvelope): void {
    if (item.volatile) this.counters.drop("volatile-offline");
    else this.outbox.add(item);
  }

  private flushOutbox(): void {
    for (const item of this.outbox.drain(this.clock.now())) this.batcher.push(item);
  }

  private sendFrame(items: QueuedEnvelope[]): void {
    const transport = this.transportImpl;
    if (!transport?.connected) {
      for (const item of items) this.park(item);
      return;
    }
    const frame = encodeFrame(
      this.session,
      items.map((i) => i.text),
    );
    transport.send(frame);
    this.counters.framesSent++;
    this.counters.envelopesOut += items.length;
    this.counters.bytesOut += frame.length;
  }

  async emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    assertEventName(event, channel, channel === MODULE_ID);
    const priority = opts.priority ?? "normal";
    if (priority !== "low" && priority !== "normal" && priority !== "high") {
      throw new ValidationError(`priority must be "low", "normal" or "high"`, { moduleId: channel, event });
    }
    if (opts.coalesce !== undefined && typeof opts.coalesce !== "string") {
      throw new ValidationError("coalesce must be a string key", { moduleId: channel, event });
    }
    const target = this.resolveTarget(opts.to ?? "others", channel, event);
    const env = this.envelope("msg", channel, event, data, target.wire);
    const id = messageId(this.session, env.q);
    // In local mode a message that includes this client is delivered once, not also looped back.
    const networked =
      (target.wire === undefined || target.wire.length > 0) && !(this.transport === "local" && target.self);
    let queued = false;
    if (networked) {
      const coalesce = opts.coalesce === undefined ? undefined : `${channel}\u0000${opts.coalesce}`;
      queued = this.send(env, { priority, coalesce, volatile: opts.volatile });
    } else {
      assertJsonSafe(data, channel, event);
    }
    if (target.self) this.deliverToSelf(env, id);
    this.counters.messagesSent++;
    const ch = this.channel(channel);
    ch.count(ch.sent, event);
    return { messageId: id, recipients: target.recipients, queued };
  }

  private deliverToSelf(env: Envelope, id: string): void {
    const me = this.user(this.userId);
    if (!me) return;
    const data = env.d === undefined ? undefined : structuredClone(env.d);
    const ctx = this.context(env, id, me, this.transport ?? "local", false);
    this.defer(() => void this.dispatcher.message(data, ctx));
  }

  async request<R>(channel: string, event: string, data: unknown, opts: RequestOptions): Promise<R> {
    assertEventName(event, channel, channel === MODULE_ID);
    const timeout = this.checkTimeout(opts.timeout, channel, event);
    const to = opts.to ?? "gm";
    if (typeof to !== "string") {
      throw new ValidationError(`request "to" must be "gm" or a user id`, { moduleId: channel, event });
    }
    const details = { moduleId: channel, event, userId: to };
    let target: string;
    if (this.transport === "local") {
      target = this.userId;
    } else if (to === "gm") {
      const gm = this.pickGM();
      if (!gm) throw new NoGMError("no GM is connected to answer", { moduleId: channel, event });
      target = gm.id;
    } else {
      const user = this.user(to);
      if (!user) throw new UserOfflineError(`no user with id "${to}" exists`, details);
      if (!user.active && user.id !== this.userId) {
        throw new UserOfflineError(`user "${user.name}" is not connected`, details);
      }
      target = to;
    }
    const results = await this.call(channel, event, data, [target], timeout, to === "gm");
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
    const timeout = this.checkTimeout(opts.timeout, channel, event);
    const targets =
      this.transport === "local"
        ? [this.userId]
        : this.resolveTarget(opts.to ?? "others", channel, event).recipients;
    return (await this.call(channel, event, data, targets, timeout, false)) as Map<string, RequestResult<R>>;
  }

  /** Sends one request to `targets` and settles when each answered, failed, left or timed out. */
  private call(
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
    const env = this.envelope("req", channel, event, data, network);
    const id = messageId(this.session, env.q);
    const { call, settled } = this.requests.open({ id, channel, event, data, toGM, targets, timeout });
    this.counters.requestsSent++;
    if (local || targets.includes(this.userId)) this.answerLocally(call);
    if (network.length > 0) this.sendRequest(call, env);
    return settled;
  }

  private sendRequest(call: PendingCall, env: Envelope): void {
    try {
      this.send(env, { priority: "high" });
    } catch (e) {
      this.requests.failAll(call, () => (e instanceof Error ? e : new SocketManagerError(String(e))));
    }
  }

  private answerLocally(call: PendingCall): void {
    const me = this.user(this.userId);
    if (!me) {
      this.requests.record(call, this.userId, {
        ok: false,
        error: new UserOfflineError("this user is unknown"),
      });
      return;
    }
    const env = this.envelope("req", call.channel, call.event, call.data, [this.userId]);
    const ctx = this.context(env, call.id, me, this.transport ?? "local", this.transport === "local");
    const data = call.data === undefined ? undefined : structuredClone(call.data);
    this.defer(() => {
      void this.dispatcher.request(data, ctx).then((outcome) => {
        this.requests.record(call, this.userId, this.toResult(outcome, call, this.userId));
      });
    });
  }

  private toResult(outcome: ResponderOutcome, call: PendingCall, userId: string): RequestResult<unknown> {
    if (outcome.ok) return { ok: true, value: outcome.value };
    return { ok: false, error: errorFromOutcome(outcome, call, userId, this.user(userId)?.name ?? userId) };
  }

  // ---- receiving -------------------------------------------------------------------------------------------

  private receive(incoming: IncomingFrame): void {
    const decoded = decodeFrame(incoming.raw, MAX_INCOMING_FRAME);
    this.counters.framesReceived++;
    this.counters.bytesIn += decoded.bytes;
    if (!decoded.ok) {
      this.counters.drop(decoded.reason);
      this.log.debug(`dropped a frame from ${incoming.senderId}: ${decoded.reason}`);
      return;
    }
    const sender = this.user(incoming.senderId);
    if (!sender) {
      this.counters.drop("unknown-sender", decoded.frame.e.length);
      return;
    }
    for (const env of decoded.frame.e) this.receiveEnvelope(env, decoded.frame.s, sender, incoming);
  }

  private receiveEnvelope(env: unknown, session: string, sender: FoundryUser, incoming: IncomingFrame): void {
    if (!isValidEnvelope(env)) return this.counters.drop("envelope-shape");
    if (!incoming.simulated && !isAddressedTo(env, this.userId)) {
      this.counters.notForMe++;
      return;
    }
    const refused = this.inbound.check(env, sender.id, session, incoming.simulated);
    if (refused) return this.counters.drop(refused);
    if (env.k === "chunk") return this.receiveChunk(env, session, sender, incoming);
    this.accept(env, session, sender, incoming);
  }

  private receiveChunk(env: Envelope, session: string, sender: FoundryUser, incoming: IncomingFrame): void {
    if (!isChunkPayload(env.d)) return this.counters.drop("chunk-invalid");
    const result = this.reassembler.add(`${sender.id}/${session}`, env.d);
    if (result.status === "pending") return;
    if (result.status !== "complete")
      return this.counters.drop(result.status === "over-budget" ? "oversize" : "chunk-invalid");
    let parent: unknown;
    try {
      parent = parseSafe(result.text);
    } catch {
      return this.counters.drop("chunk-invalid");
    }
    // The rebuilt envelope must be what its chunks announced, and passes the same checks as any other.
    if (!isValidEnvelope(parent) || parent.k === "chunk" || parent.q !== env.d[0])
      return this.counters.drop("chunk-invalid");
    const refused = this.inbound.check(parent, sender.id, session, incoming.simulated);
    if (refused) return this.counters.drop(refused);
    this.accept(parent, session, sender, incoming);
  }

  private accept(env: Envelope, session: string, sender: FoundryUser, incoming: IncomingFrame): void {
    this.counters.messagesReceived++;
    if (this.cfg.logAllMessages) this.log.info(`← ${env.k} ${env.c} "${env.e}" from ${sender.name}`, env.d);
    const ctx = this.context(env, messageId(session, env.q), sender, incoming.via, incoming.simulated);
    switch (env.k) {
      case "msg":
        void this.dispatcher.message(env.d, ctx);
        return;
      case "req":
        void this.answerRemote(env, ctx);
        return;
      case "res":
      case "err":
        this.acceptReply(env, sender.id);
        return;
      default:
        // hello / ping / pong / ack belong to the reliability layer.
        this.counters.drop("no-handler");
    }
  }

  private context(
    env: Envelope,
    id: string,
    sender: FoundryUser,
    via: TransportKind,
    simulated: boolean,
  ): MessageContext {
    return Object.freeze({
      moduleId: env.c,
      event: env.e,
      messageId: id,
      senderId: sender.id,
      sender,
      sentAt: env.a,
      receivedAt: this.clock.now(),
      latencyMs: this.inbound.latency(env.a, sender.id),
      transport: via,
      simulated,
    });
  }

  private async answerRemote(env: Envelope, ctx: MessageContext): Promise<void> {
    const outcome = await this.dispatcher.request(env.d, ctx);
    const payload = outcome.ok
      ? outcome.value
      : { code: outcome.code, message: outcome.message, issues: outcome.issues };
    const reply = this.envelope(outcome.ok ? "res" : "err", env.c, env.e, payload, [ctx.senderId]);
    reply.r = ctx.messageId;
    try {
      this.send(reply, { priority: "high" });
    } catch (e) {
      // The answer itself could not be sent (too large): tell the requester rather than leave it waiting.
      const failure = {
        code: "RemoteHandlerError",
        message: `the answer could not be sent: ${errorMessage(e)}`,
      };
      const fallback = this.envelope("err", env.c, env.e, failure, [ctx.senderId]);
      fallback.r = ctx.messageId;
      this.send(fallback, { priority: "high" });
    }
  }

  private acceptReply(env: Envelope, senderId: string): void {
    const call = env.r === undefined ? undefined : this.requests.get(env.r);
    if (!call?.waiting.has(senderId)) return this.counters.drop("stale-reply");
    if (env.k === "res") return this.requests.record(call, senderId, { ok: true, value: env.d });
    const who = this.user(senderId)?.name ?? senderId;
    this.requests.record(call, senderId, { ok: false, error: errorFromOutcome(env.d, call, senderId, who) });
  }

  /** Injects a message as if it came from `from` (default: this user), through permission and schema checks. */
  async simulate(channel: string, event: string, data: unknown, from?: string): Promise<void> {
    assertModuleId(channel);
    assertEventName(event, channel, true);
    const sender = this.user(from ?? this.userId);
    if (!sender)
      throw new ValidationError(`simulate(): no user with id "${from}"`, { moduleId: channel, event });
    assertJsonSafe(data, channel, event);
    const env = this.envelope(
      "msg",
      channel,
      event,
      data === undefined ? undefined : structuredClone(data),
      undefined,
    );
    const ctx = this.context(env, messageId(this.session, env.q), sender, this.transport ?? "local", true);
    await this.dispatcher.message(env.d, ctx);
  }
}
