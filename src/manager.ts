import { type ChannelHost, ChannelImpl } from "./channel";
import { type Clock, systemClock, type TimerHandle } from "./clock";
import { type Config, DEFAULT_CONFIG, mergeConfig } from "./config";
import {
  NoGMError,
  NoHandlerError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RemoteHandlerError,
  SocketManagerError,
  TimeoutError,
  UserOfflineError,
  ValidationError,
} from "./errors";
import type { FoundryEnv, FoundryUser } from "./foundry/types";
import { createLogger, type Logger } from "./log";
import { Counters } from "./metrics/counters";
import { Batcher, type BatchItem, type Priority } from "./pipeline/batcher";
import { decodeFrame, encodeEnvelope, encodeFrame, isValidEnvelope, utf8Length } from "./pipeline/codec";
import { Dedupe } from "./pipeline/dedupe";
import { type Envelope, type Frame, isAddressedTo, type Kind, messageId } from "./pipeline/envelope";
import { isPermitted } from "./pipeline/permission";
import { RateLimiter } from "./pipeline/rate-limit";
import { runSchema } from "./pipeline/schema";
import { assertEventName, assertJsonSafe, assertModuleId } from "./pipeline/validate";
import { Outbox } from "./reliability/outbox";
import { createTransport, detectTransport } from "./transports/detect";
import type { IncomingFrame, Transport, TransportKind, TransportSink } from "./transports/transport";
import type {
  ConnectionState,
  EmitOptions,
  EmitReport,
  HandlerOptions,
  MessageContext,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  Target,
} from "./types";

export const MODULE_ID = "socket-manager";
/** socket.io's default maxHttpBufferSize: nothing larger can reach us anyway. */
const MAX_INCOMING_FRAME = 1_000_000;
/** Accepted clock skew while a peer's clock offset is still unknown. */
const SKEW_TOLERANCE = 15 * 60_000;

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

/** A request waiting for answers from one or more users. */
interface PendingCall {
  id: string;
  readonly channel: string;
  readonly event: string;
  readonly data: unknown;
  /** Addressed to "the GM": another GM takes over if this one leaves. */
  readonly toGM: boolean;
  readonly waiting: Set<string>;
  readonly results: Map<string, RequestResult<unknown>>;
  timer: TimerHandle;
  finish(results: Map<string, RequestResult<unknown>>): void;
}

type ResponderOutcome =
  | { ok: true; value: unknown }
  | { ok: false; code: string; message: string; issues?: { message: string; path?: PropertyKey[] }[] };

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
  private readonly channels = new Map<string, ChannelImpl>();
  private readonly pending = new Map<string, PendingCall>();
  private readonly stateListeners = new Set<
    (state: ConnectionState, transport: TransportKind | null) => void
  >();
  private readonly readyListeners: (() => void)[] = [];
  private readonly batcher: Batcher<QueuedEnvelope>;
  private readonly outbox: Outbox<QueuedEnvelope>;
  private readonly dedupe = new Dedupe();
  private readonly rate: RateLimiter;
  private readonly defer: (fn: () => void) => void;
  private readonly sink: TransportSink;
  private started = false;
  private readonly offsets = new Map<string, number>();
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
    this.rate = new RateLimiter(() => ({ rate: this.cfg.rateLimit, burst: this.cfg.rateBurst }), this.clock);
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
    return this.pending.size;
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
    this.useTransport(detection.kind);
    this.started = true;
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
    for (const call of [...this.pending.values()]) {
      this.failAll(
        call,
        (u) => new SocketManagerError("Socket Manager was shut down", { moduleId: call.channel, userId: u }),
      );
    }
    this.batcher.clear();
    this.outbox.clear();
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

  // ---- sending -----------------------------------------------------------------------------------------

  private nextSeq(): number {
    return ++this.seq;
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
        return gm.id === me
          ? { self: true, wire: [], recipients: [me] }
          : { self: false, wire: [gm.id], recipients: [gm.id] };
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

  /** Validates a payload and returns its envelope, encoded; throws ValidationError / PayloadTooLargeError. */
  private seal(env: Envelope): { text: string; bytes: number } {
    assertJsonSafe(env.d, env.c, env.e);
    const text = encodeEnvelope(env);
    const bytes = text.length * 3 <= this.cfg.maxPayloadBytes ? text.length : utf8Length(text);
    if (bytes > this.cfg.maxPayloadBytes) {
      throw new PayloadTooLargeError(
        `payload is ${bytes} bytes; the limit (maxPayloadBytes) is ${this.cfg.maxPayloadBytes}`,
        {
          moduleId: env.c,
          event: env.e,
        },
      );
    }
    if (bytes > this.frameBudget()) {
      throw new PayloadTooLargeError(
        `payload is ${bytes} bytes; frames are limited to ${this.frameBudget()} bytes (maxFrameBytes)`,
        { moduleId: env.c, event: env.e },
      );
    }
    return { text, bytes };
  }

  /** Bytes available for envelopes in one frame. */
  private frameBudget(): number {
    return this.cfg.maxFrameBytes - 64;
  }

  private enqueue(
    sealed: { text: string; bytes: number },
    opts: { priority: Priority; coalesce?: string | undefined; volatile?: boolean | undefined },
  ): boolean {
    const item: QueuedEnvelope = {
      text: sealed.text,
      bytes: sealed.bytes,
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
    const items = this.outbox.drain(this.clock.now());
    for (const item of items) this.batcher.push(item);
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
    let bytes = 0;
    for (const item of items) bytes += item.bytes;
    transport.send(frame);
    this.counters.framesSent++;
    this.counters.envelopesOut += items.length;
    this.counters.bytesOut += bytes + 32;
  }

  private envelope(
    kind: Kind,
    channel: string,
    event: string,
    data: unknown,
    wire: string[] | undefined,
  ): Envelope {
    const env: Envelope = { q: this.nextSeq(), k: kind, c: channel, e: event, a: this.clock.now() };
    if (data !== undefined) env.d = data;
    if (wire !== undefined) env.t = wire;
    return env;
  }

  async emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    return this.emitNow(channel, event, data, opts);
  }

  /** Synchronous core of emit: validation errors throw here and become the promise's rejection. */
  private emitNow(channel: string, event: string, data: unknown, opts: EmitOptions): EmitReport {
    assertEventName(event, channel, channel === MODULE_ID);
    const priority = opts.priority ?? "normal";
    if (priority !== "low" && priority !== "normal" && priority !== "high") {
      throw new ValidationError(`priority must be "low", "normal" or "high"`, { moduleId: channel, event });
    }
    if (opts.coalesce !== undefined && typeof opts.coalesce !== "string") {
      throw new ValidationError("coalesce must be a string key", { moduleId: channel, event });
    }
    const target = this.resolveTarget(opts.to ?? "others", channel, event);
    const wireless = this.transport === "local" && target.self;
    const env = this.envelope("msg", channel, event, data, target.wire);
    const sealed = this.seal(env);
    const id = messageId(this.session, env.q);
    this.counters.messagesSent++;
    this.channel(channel).count(this.channel(channel).sent, event);
    if (target.self) this.deliverToSelf(env, id);
    let queued = false;
    const hasNetworkPart = target.wire === undefined || target.wire.length > 0;
    if (hasNetworkPart && !wireless) {
      const key = opts.coalesce === undefined ? undefined : `${channel}\u0000${opts.coalesce}`;
      queued = this.enqueue(sealed, { priority, coalesce: key, volatile: opts.volatile });
    }
    return { messageId: id, recipients: target.recipients, queued };
  }

  private deliverToSelf(env: Envelope, id: string): void {
    const me = this.user(this.userId);
    if (!me) return;
    const copy = env.d === undefined ? undefined : structuredClone(env.d);
    this.defer(() => {
      void this.dispatchMessage(
        { ...env, d: copy },
        this.context(env, id, me, this.transport ?? "local", false),
      );
    });
  }

  async request<R>(channel: string, event: string, data: unknown, opts: RequestOptions): Promise<R> {
    assertEventName(event, channel, channel === MODULE_ID);
    const timeout = this.checkTimeout(opts.timeout, channel, event);
    const to = opts.to ?? "gm";
    if (typeof to !== "string") {
      throw new ValidationError(`request "to" must be "gm" or a user id`, { moduleId: channel, event });
    }
    let targetId: string;
    if (this.transport === "local") {
      targetId = this.userId;
    } else if (to === "gm") {
      const gm = this.pickGM();
      if (!gm) throw new NoGMError("no GM is connected to answer", { moduleId: channel, event });
      targetId = gm.id;
    } else {
      const user = this.user(to);
      if (!user)
        throw new UserOfflineError(`no user with id "${to}" exists`, {
          moduleId: channel,
          event,
          userId: to,
        });
      if (!user.active && user.id !== this.userId) {
        throw new UserOfflineError(`user "${user.name}" is not connected`, {
          moduleId: channel,
          event,
          userId: to,
        });
      }
      targetId = to;
    }
    const results = await this.call(channel, event, data, [targetId], timeout, to === "gm");
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
    const results = await this.call(channel, event, data, targets, timeout, false);
    return results as Map<string, RequestResult<R>>;
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
    const env = this.envelope("req", channel, event, data, undefined);
    // Validate before anything is registered, so a bad payload rejects cleanly.
    assertJsonSafe(data, channel, event);
    this.counters.requestsSent++;
    return new Promise((resolve) => {
      const call: PendingCall = {
        id: messageId(this.session, env.q),
        channel,
        event,
        data,
        toGM,
        waiting: new Set(targets),
        results: new Map(),
        timer: null,
        finish: resolve,
      };
      if (targets.length === 0) return resolve(call.results);
      this.pending.set(call.id, call);
      call.timer = this.clock.setTimeout(() => {
        const missing = [...call.waiting];
        this.failAll(
          call,
          () =>
            new TimeoutError(`no answer within ${timeout} ms from ${missing.join(", ")}`, {
              moduleId: channel,
              event,
              missing,
            }),
        );
      }, timeout);
      const local = this.transport === "local";
      if (local || targets.includes(this.userId)) this.answerLocally(call);
      const network = local ? [] : targets.filter((id) => id !== this.userId);
      if (network.length > 0) this.sendRequest(call, env, network);
    });
  }

  private sendRequest(call: PendingCall, env: Envelope, targets: string[]): void {
    env.t = targets;
    try {
      this.enqueue(this.seal(env), { priority: "high" });
    } catch (e) {
      this.failAll(call, () => (e instanceof Error ? e : new SocketManagerError(String(e))));
    }
  }

  private answerLocally(call: PendingCall): void {
    const me = this.user(this.userId);
    const simulated = this.transport === "local";
    const env = this.envelope("req", call.channel, call.event, call.data, [this.userId]);
    const id = call.id;
    this.defer(() => {
      if (!me)
        return this.record(call, this.userId, {
          ok: false,
          error: new UserOfflineError("this user is unknown"),
        });
      const ctx = this.context(env, id, me, this.transport ?? "local", simulated);
      const data = call.data === undefined ? undefined : structuredClone(call.data);
      void this.runResponder(call.channel, call.event, data, ctx).then((outcome) =>
        this.record(call, this.userId, this.toResult(outcome, call)),
      );
    });
  }

  private record(call: PendingCall, userId: string, result: RequestResult<unknown>): void {
    if (!call.waiting.delete(userId)) return;
    call.results.set(userId, result);
    if (!result.ok) this.counters.requestsFailed++;
    if (call.waiting.size === 0) this.settle(call);
  }

  private failAll(call: PendingCall, error: (userId: string) => Error): void {
    for (const userId of [...call.waiting]) this.record(call, userId, { ok: false, error: error(userId) });
  }

  private settle(call: PendingCall): void {
    this.clock.clearTimeout(call.timer);
    this.pending.delete(call.id);
    call.finish(call.results);
  }

  private onUserLeft(userId: string): void {
    for (const call of [...this.pending.values()]) {
      if (!call.waiting.has(userId)) continue;
      if (!call.toGM) {
        this.record(call, userId, {
          ok: false,
          error: new UserOfflineError(`user ${userId} disconnected before answering`, {
            moduleId: call.channel,
            event: call.event,
            userId,
          }),
        });
        continue;
      }
      const next = this.pickGM(userId);
      if (!next) {
        this.record(call, userId, {
          ok: false,
          error: new NoGMError("the answering GM left and no other GM is connected", {
            moduleId: call.channel,
            event: call.event,
            userId,
          }),
        });
        continue;
      }
      // Another GM takes the request over: re-address it under a new id (late answers to the old id are ignored).
      this.log.debug(`GM ${userId} left; ${next.id} takes over ${call.channel} "${call.event}"`);
      call.waiting.delete(userId);
      call.waiting.add(next.id);
      this.pending.delete(call.id);
      const env = this.envelope("req", call.channel, call.event, call.data, undefined);
      call.id = messageId(this.session, env.q);
      this.pending.set(call.id, call);
      if (next.id === this.userId) this.answerLocally(call);
      else this.sendRequest(call, env, [next.id]);
    }
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
    for (const raw of decoded.frame.e) this.receiveEnvelope(raw, decoded.frame, sender, incoming);
  }

  private receiveEnvelope(raw: unknown, frame: Frame, sender: FoundryUser, incoming: IncomingFrame): void {
    if (!isValidEnvelope(raw)) {
      this.counters.drop("envelope-shape");
      return;
    }
    const env = raw;
    if (!incoming.simulated && !isAddressedTo(env, this.userId)) {
      this.counters.notForMe++;
      return;
    }
    if (this.dedupe.isDuplicate(`${sender.id}/${frame.s}`, env.q)) return this.counters.drop("duplicate");
    const now = this.clock.now();
    if (this.isExpired(env.a, now, sender.id)) return this.counters.drop("expired");
    if (!incoming.simulated && !this.rate.allow(sender.id)) return this.counters.drop("rate-limited");
    this.counters.messagesReceived++;
    const id = messageId(frame.s, env.q);
    if (this.cfg.logAllMessages) this.log.info(`← ${env.k} ${env.c} "${env.e}" from ${sender.name}`, env.d);
    const ctx = this.context(env, id, sender, incoming.via, incoming.simulated);
    switch (env.k) {
      case "msg":
        void this.dispatchMessage(env, ctx);
        return;
      case "req":
        void this.answerRemote(env, ctx);
        return;
      case "res":
      case "err":
        this.acceptReply(env, sender.id);
        return;
      default:
        // hello / ping / pong / ack / chunk are handled by later protocol stages.
        this.counters.drop("no-handler");
    }
  }

  private isExpired(sentAt: number, now: number, senderId: string): boolean {
    const offset = this.offsets.get(senderId);
    const age = offset === undefined ? now - sentAt : now - (sentAt - offset);
    const tolerance = offset === undefined ? SKEW_TOLERANCE : 0;
    return age > this.cfg.maxMessageAge + tolerance || age < -(this.cfg.maxMessageAge + tolerance);
  }

  private context(
    env: Envelope,
    id: string,
    sender: FoundryUser,
    via: TransportKind,
    simulated: boolean,
  ): MessageContext {
    const receivedAt = this.clock.now();
    const offset = this.offsets.get(sender.id) ?? 0;
    return Object.freeze({
      moduleId: env.c,
      event: env.e,
      messageId: id,
      senderId: sender.id,
      sender,
      sentAt: env.a,
      receivedAt,
      latencyMs: Math.max(0, receivedAt - (env.a - offset)),
      transport: via,
      simulated,
    });
  }

  /** Runs the handlers of one message in registration order; one's failure never stops the others. */
  async dispatchMessage(env: Envelope, ctx: MessageContext): Promise<void> {
    const channel = this.channels.get(env.c);
    if (!channel) return this.counters.drop("no-channel");
    channel.count(channel.received, env.e);
    const handlers = channel.handlersFor(env.e);
    if (handlers.length === 0) return this.counters.drop("no-handler");
    for (const handler of handlers) {
      if (!isPermitted(handler.opts.permission, ctx.sender)) {
        this.counters.drop("permission");
        this.log.debug(`${ctx.sender.name} may not trigger ${env.c} "${env.e}"`);
        continue;
      }
      let data = env.d;
      if (handler.opts.schema) {
        const checked = runSchema(handler.opts.schema, data);
        const outcome = checked instanceof Promise ? await checked : checked;
        if (!outcome.ok) {
          this.counters.drop("schema");
          this.log.debug(`${env.c} "${env.e}" from ${ctx.sender.name} failed its schema`, outcome.issues);
          continue;
        }
        data = outcome.value;
      }
      try {
        const result = handler.fn(data, ctx);
        if (result instanceof Promise) result.catch((e: unknown) => this.handlerFailed(env, e));
      } catch (e) {
        this.handlerFailed(env, e);
      }
    }
  }

  private handlerFailed(env: Envelope, error: unknown): void {
    this.counters.handlerErrors++;
    this.log.error(`a handler of ${env.c} "${env.e}" threw:`, error);
  }

  /** Runs this client's responder for a request, with permission and schema checks. */
  async runResponder(
    channel: string,
    event: string,
    data: unknown,
    ctx: MessageContext,
  ): Promise<ResponderOutcome> {
    const ch = this.channels.get(channel);
    ch?.count(ch.received, event);
    const responder = ch?.responderFor(event);
    if (!responder) {
      this.counters.drop("no-handler");
      return {
        ok: false,
        code: "NoHandlerError",
        message: `${ctx.moduleId} has no responder for "${event}" on this client`,
      };
    }
    return this.runChecked(responder.opts, data, ctx, async (value) => {
      const result = await responder.fn(value, ctx);
      try {
        assertJsonSafe(result, channel, event);
      } catch (e) {
        return {
          ok: false,
          code: "RemoteHandlerError",
          message: `the responder returned a value that is not JSON-safe: ${errorMessage(e)}`,
        };
      }
      return { ok: true, value: result };
    });
  }

  private async runChecked(
    opts: HandlerOptions,
    data: unknown,
    ctx: MessageContext,
    run: (value: unknown) => Promise<ResponderOutcome>,
  ): Promise<ResponderOutcome> {
    if (!isPermitted(opts.permission, ctx.sender)) {
      this.counters.drop("permission");
      return {
        ok: false,
        code: "PermissionDeniedError",
        message: `${ctx.sender.name} may not call "${ctx.event}"`,
      };
    }
    let value = data;
    if (opts.schema) {
      const outcome = await runSchema(opts.schema, data);
      if (!outcome.ok) {
        this.counters.drop("schema");
        return {
          ok: false,
          code: "ValidationError",
          message: `payload failed the schema: ${outcome.issues.map((i) => i.message).join("; ")}`,
          issues: outcome.issues,
        };
      }
      value = outcome.value;
    }
    try {
      return await run(value);
    } catch (e) {
      this.counters.handlerErrors++;
      this.log.error(`the responder of ${ctx.moduleId} "${ctx.event}" threw:`, e);
      return { ok: false, code: "RemoteHandlerError", message: errorMessage(e) };
    }
  }

  private async answerRemote(env: Envelope, ctx: MessageContext): Promise<void> {
    const outcome = await this.runResponder(env.c, env.e, env.d, ctx);
    const reply: Envelope = this.envelope(outcome.ok ? "res" : "err", env.c, env.e, undefined, [
      ctx.senderId,
    ]);
    reply.r = ctx.messageId;
    if (outcome.ok) {
      if (outcome.value !== undefined) reply.d = outcome.value;
    } else {
      reply.d = {
        code: outcome.code,
        message: outcome.message,
        ...(outcome.issues ? { issues: outcome.issues } : {}),
      };
    }
    try {
      this.enqueue(this.seal(reply), { priority: "high" });
    } catch (e) {
      // The answer itself was too large or unsafe: tell the requester rather than leave it waiting.
      const fallback = this.envelope(
        "err",
        env.c,
        env.e,
        { code: "RemoteHandlerError", message: errorMessage(e) },
        [ctx.senderId],
      );
      fallback.r = ctx.messageId;
      this.enqueue(this.seal(fallback), { priority: "high" });
    }
  }

  private acceptReply(env: Envelope, senderId: string): void {
    const call = env.r === undefined ? undefined : this.pending.get(env.r);
    if (!call?.waiting.has(senderId)) return this.counters.drop("stale-reply");
    if (env.k === "res") return this.record(call, senderId, { ok: true, value: env.d });
    this.record(call, senderId, { ok: false, error: this.remoteError(env.d, call, senderId) });
  }

  private toResult(outcome: ResponderOutcome, call: PendingCall): RequestResult<unknown> {
    if (outcome.ok) return { ok: true, value: outcome.value };
    return { ok: false, error: this.remoteError(outcome, call, this.userId) };
  }

  /** Rebuilds the typed error a responder reported. */
  private remoteError(payload: unknown, call: PendingCall, userId: string): Error {
    const p = (typeof payload === "object" && payload !== null ? payload : {}) as {
      code?: unknown;
      message?: unknown;
      issues?: unknown;
    };
    const message = typeof p.message === "string" ? p.message : "the remote client reported an error";
    const details = { moduleId: call.channel, event: call.event, userId };
    const who = this.user(userId)?.name ?? userId;
    switch (p.code) {
      case "NoHandlerError":
        return new NoHandlerError(`${who} has no responder for this event`, details);
      case "PermissionDeniedError":
        return new PermissionDeniedError(`${who} refused: ${message}`, details);
      case "ValidationError":
        return new ValidationError(`${who} refused the payload: ${message}`, {
          ...details,
          issues: Array.isArray(p.issues) ? (p.issues as { message: string }[]) : [],
        });
      default:
        return new RemoteHandlerError(`${who}'s handler failed: ${message}`, {
          ...details,
          remoteMessage: message,
        });
    }
  }

  /** Injects a message as if it came from `from` (default: this user), through the receive checks. */
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
    await this.dispatchMessage(env, ctx);
  }
}
