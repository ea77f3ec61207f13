/** Public types of the Socket Manager API (docs/ARCHITECTURE.md, "Public contract": the names are fixed). */

import type { BridgeApi } from "./bridge";
import type { Config } from "./config";
import type { errors } from "./errors";
import type { HistogramSnapshot } from "./metrics";
import type { StandardSchemaV1 } from "./schema";
import type { SharedInfo, SharedOptions, SharedState } from "./shared";
import type { socketlibErrors } from "./socketlib-errors";
import type { SocketlibCompatOptions, SocketlibCompatSocket } from "./socketlib-types";
import type { EventInfo, MetricsSnapshot, PeerEvent, PeerInfo, PeerTestResult, Status } from "./status";
import type { TypedChannel } from "./typed-channel";

export type * from "./bridge";
export type * from "./shared";
export type * from "./socketlib-types";
export type * from "./status";
export type * from "./typed-channel";
export type { Config, HistogramSnapshot, StandardSchemaV1 };

/** Foundry's user roles (CONST.USER_ROLES): 1 player, 2 trusted, 3 assistant GM, 4 game master. */
export type UserRole = 1 | 2 | 3 | 4;

/** A Foundry user as Socket Manager sees it (the part of Foundry's User it reads). */
export interface FoundryUser {
  readonly id: string;
  readonly name: string;
  /** Connected right now. */
  readonly active: boolean;
  /** Assistant GM or full GM. */
  readonly isGM: boolean;
  readonly role: UserRole;
}

/** Which path carries frames: socketlib, Foundry's own socket, or none (local mode). */
export type TransportKind = "socketlib" | "native" | "local";

/** "high" leaves at once, "normal" at the end of the task, "low" may wait up to `batchTimeout`. */
export type Priority = "low" | "normal" | "high";

/** Who may trigger a handler: a minimum role, or a predicate over the server-stamped sender. */
export type Permission = "player" | "trusted" | "assistant" | "gm" | ((sender: FoundryUser) => boolean);

/**
 * On a network transport Foundry owns the socket: "reconnecting" while it retries, "offline" once it gave up.
 * "local-fallback" only in local mode (no socket at all, or `api.local.enable()`).
 */
export type ConnectionState = "initializing" | "connected" | "reconnecting" | "offline" | "local-fallback";

export type Target = "others" | "all" | "self" | "gm" | "gms" | string[];

/**
 * A user id where a literal such as "gm" is also allowed: `string & Record<never, never>` is any string, but
 * keeps the literal from being widened away, so editors still offer it.
 */
export type UserId = string & Record<never, never>;

/** What a Standard Schema produces (its `~standard.types.output`; `unknown` when it declares none). */
export type InferSchemaOutput<S extends StandardSchemaV1> =
  S extends StandardSchemaV1<unknown, infer Output> ? Output : unknown;

/**
 * `T`: what the schema must produce (a typed channel's payload); anything on an untyped channel.
 */
export interface HandlerOptions<T = unknown> {
  /** Minimum role of the sender, or a predicate over the server-stamped sender. Default: anyone. */
  permission?: Permission;
  /** Any Standard Schema (zod, valibot, arktype...): the handler receives the schema's output. */
  schema?: StandardSchemaV1<unknown, T>;
}

/** Handler options with a schema: the handler's payload type is the schema's output. */
export interface SchemaHandlerOptions<S extends StandardSchemaV1> extends HandlerOptions {
  schema: S;
}

export interface EmitOptions {
  to?: Target;
  priority?: Priority;
  /** Drop instead of queueing while disconnected. */
  volatile?: boolean;
  /** A later message with the same key replaces an unsent earlier one. */
  coalesce?: string;
  /** Acked, retried with backoff, delivered once and in order. */
  reliable?: boolean;
  timeout?: number;
}

export interface RequestOptions {
  /** "gm" (default): the active GM; or one user id. */
  to?: "gm" | UserId;
  timeout?: number;
}

export interface RequestAllOptions {
  /** Default "others": every other active user. */
  to?: "others" | "all" | "gms" | string[];
  timeout?: number;
}

export interface MessageContext {
  readonly moduleId: string;
  readonly event: string;
  readonly messageId: string;
  /** The server-stamped sender: never taken from the payload. */
  readonly senderId: string;
  readonly sender: FoundryUser;
  /** Sender's clock (ms since epoch). */
  readonly sentAt: number;
  /** This client's clock. */
  readonly receivedAt: number;
  /** One-way latency, clock-offset corrected when the offset is known. */
  readonly latencyMs: number;
  readonly transport: TransportKind;
  readonly simulated: boolean;
}

/** Returns nothing (or a promise); a returned value is ignored. */
export type Handler<T = unknown> = (data: T, ctx: MessageContext) => unknown;

/** What handlers registered with the seed's `registerEvent` get: the context plus the seed's own names. */
export interface SeedMessageContext extends MessageContext {
  /** The sender's user id (= `senderId`). */
  readonly source: string;
  /** When the sender sent it, on its clock (= `sentAt`). */
  readonly timestamp: number;
  readonly originalMessage: {
    readonly event: string;
    readonly data: unknown;
    readonly source: string;
    readonly timestamp: number;
    readonly messageId: string;
  };
}

export type SeedHandler<T = unknown> = (data: T, ctx: SeedMessageContext) => unknown;

/**
 * The seed's emit options: `target` ("all": every other client; "gm", "gms", or user ids) and `priority`;
 * `moduleId` sends on that module's channel, where `registerModuleHandler(moduleId, ...)` handlers listen
 * (default "socket-manager", where `registerEvent` handlers listen).
 */
export interface SeedEmitOptions extends Omit<EmitOptions, "to"> {
  target?: "all" | "gm" | "gms" | string | string[];
  to?: Target;
  moduleId?: string;
}
export type Responder<T = unknown, R = unknown> = (data: T, ctx: MessageContext) => R | Promise<R>;

export interface EmitReport {
  readonly messageId: string;
  /** Users this message is addressed to (resolved at send time). */
  readonly recipients: string[];
  /** True when it waits in the outbox because the socket is down. */
  readonly queued: boolean;
  /** Reliable messages: who acknowledged. */
  readonly acked?: string[];
  /**
   * Reliable messages: who had not acknowledged when the timeout struck, though others had (when nobody had,
   * the emit rejects with a TimeoutError instead). Absent when everyone acknowledged.
   */
  missing?: string[];
}

export type RequestResult<R> = { ok: true; value: R } | { ok: false; error: Error };

/**
 * One module's channel. Without a type argument (`api.channel("my-module")`) every event is a string and every
 * payload `unknown` ({@link UntypedChannel}); with an event map (`api.channel<MyEvents>("my-module")`) each
 * call is checked against the map ({@link TypedChannel}).
 */
export type Channel<Events = unknown> = unknown extends Events ? UntypedChannel : TypedChannel<Events>;

/** `api.channel(moduleId)` without an event map: string events, `unknown` payloads unless given. */
export interface UntypedChannel {
  readonly moduleId: string;
  /** With a `schema`, the handler's payload is the schema's output. */
  on<S extends StandardSchemaV1>(
    event: string,
    handler: Handler<InferSchemaOutput<S>>,
    opts: SchemaHandlerOptions<S>,
  ): () => void;
  on<T = unknown>(event: string, handler: Handler<T>, opts?: HandlerOptions): () => void;
  once<S extends StandardSchemaV1>(
    event: string,
    handler: Handler<InferSchemaOutput<S>>,
    opts: SchemaHandlerOptions<S>,
  ): () => void;
  once<T = unknown>(event: string, handler: Handler<T>, opts?: HandlerOptions): () => void;
  off(event: string, handler?: Handler<never>): void;
  /** The one responder for `event` on this channel (a second registration throws). */
  handle<S extends StandardSchemaV1, R = unknown>(
    event: string,
    fn: Responder<InferSchemaOutput<S>, R>,
    opts: SchemaHandlerOptions<S>,
  ): () => void;
  handle<T = unknown, R = unknown>(event: string, fn: Responder<T, R>, opts?: HandlerOptions): () => void;
  emit(event: string, data?: unknown, opts?: EmitOptions): Promise<EmitReport>;
  /**
   * A peer running Socket Manager joined (said hello from a new session), is ready (answered a round trip) or
   * left; a reload is a leave and a join. Returns the unsubscribe.
   */
  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void;
  request<R = unknown>(event: string, data?: unknown, opts?: RequestOptions): Promise<R>;
  requestAll<R = unknown>(
    event: string,
    data?: unknown,
    opts?: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>>;
  /**
   * The module's live state `key`, owned by the active GM (README, "Shared state"). The same object for the
   * same key; a second call with different `initial`, `write` role, `persist`, `patchRate` or bounds throws.
   */
  shared<T>(key: string, opts: SharedOptions<T>): SharedState<T>;
  /** Drops every handler, responder and shared state of this module. */
  dispose(): void;
}

export interface SimulateOptions {
  /** The user the message appears to come from (default: this user). */
  from?: string;
}

export interface Api {
  readonly version: string;
  readonly protocol: number;
  readonly transport: TransportKind | null;
  readonly state: ConnectionState;
  whenReady(): Promise<Api>;
  /**
   * Your module's channel (the same object on every call). `api.channel<MyEvents>(id)` types it by an event
   * map (see {@link TypedChannel}); without one, events are strings and payloads `unknown`.
   */
  channel<Events = unknown>(moduleId: string): Channel<Events>;
  configure(patch: Partial<Config>): Readonly<Config>;
  config(): Readonly<Config>;
  status(): Status;
  metrics(): MetricsSnapshot;
  events(): EventInfo[];
  peers(): PeerInfo[];
  test(opts?: { timeout?: number }): Promise<PeerTestResult[]>;
  onStateChange(fn: (state: ConnectionState, transport: TransportKind | null) => void): () => void;
  /** Every shared state of this client (`channel.shared`), for the console and the status window. */
  shared(): SharedInfo[];
  readonly errors: typeof errors;
  readonly local: {
    simulate(moduleId: string, event: string, data?: unknown, opts?: SimulateOptions): Promise<void>;
    enable(): void;
    /** Leaves local mode: back to the transport detection picks. */
    disable(): void;
  };
  readonly socketlib: {
    registerModule(moduleId: string, options?: SocketlibCompatOptions): SocketlibCompatSocket;
    /** socketlib's error classes; each is also the matching Socket Manager error. */
    readonly errors: typeof socketlibErrors;
  };
  registerEvent(event: string, handler: SeedHandler, options?: HandlerOptions): string;
  unregisterEvent(handlerId: string): boolean;
  registerModuleHandler(moduleId: string, event: string, handler: Handler): string;
  emit(event: string, data?: unknown, options?: SeedEmitOptions): Promise<EmitReport>;
  /** The seed's name for `local.enable()`. */
  enableLocalTesting(): void;
  /** The connection to an external backend, held by the active GM's client (docs/BRIDGE.md). */
  readonly bridge: BridgeApi;
}
