// Socket Manager: the public API's declarations (types only; the module's code is reached at run time as
// `game.modules.get("socket-manager").api` or `globalThis.SocketManager`). Generated from
// types/src/index.ts by scripts/declarations.ts: do not edit.

/**
 * The Standard Schema v1 interface (standardschema.dev), implemented by zod, valibot, arktype and others.
 * Declared here so that no schema library is a dependency.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>;
    readonly types?: {
      readonly input: Input;
      readonly output: Output;
    } | undefined;
  };
}
export declare namespace StandardSchemaV1 {
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | {
      readonly key: PropertyKey;
    }> | undefined;
  }
}
/**
 * The bridge to an external backend (docs/BRIDGE.md): "off" unless it has a URL and a token (settings or
 * `connect`) and this client is the active GM, or after `disconnect()`; "offline" once the reconnection
 * attempts ran out (it keeps probing) or the backend refused this client.
 */
export type BridgeState = "off" | "connecting" | "connected" | "reconnecting" | "offline";
/** What a bridge handler learns about the request besides its data. */
export interface BridgeRequestContext {
  /** The backend's request id. */
  readonly id: string;
  readonly kind: string;
}
export type BridgeHandler<T = unknown, R = unknown> = (data: T, ctx: BridgeRequestContext) => R | Promise<R>;
export interface BridgeHandlerOptions {
  /** Any Standard Schema: a request whose data fails it is answered VALIDATION and never reaches the handler. */
  schema?: StandardSchemaV1;
}
export interface BridgeStatus {
  state: BridgeState;
  /** The backend's URL without credentials or query. */
  url: string;
  /** Failed reconnection attempts in a row. */
  attempts: number;
  /** Events waiting for the connection. */
  queued: number;
  rttMs?: number;
  connectedAt?: number;
  /** Request kinds this client answers. */
  handlers: string[];
  framesIn: number;
  framesOut: number;
  eventsSent: number;
  reconnectAttempts: number;
  /** Requests answered, by kind, then by outcome ("ok" or an error code such as "NO_HANDLER"). */
  requests: Record<string, Record<string, number>>;
  /** Dropped frames and events, by reason. */
  dropped: Record<string, number>;
}
/**
 * Overrides for `api.bridge.connect`, for this page session only: never stored, never sent to other clients.
 * What is left out comes from the settings (world setting "bridgeUrl", client setting "bridgeToken").
 */
export interface BridgeConnectOptions {
  /** The backend's URL, `ws://` or `wss://`. */
  url?: string;
  /** The shared secret sent in the hello (1 to 4,096 characters); never logged nor shown in the status. */
  token?: string;
}
export interface BridgeApi {
  /** The one handler the backend reaches with requests of `kind` (a second registration throws). */
  handle<T = unknown, R = unknown>(kind: string, fn: BridgeHandler<T, R>, opts?: BridgeHandlerOptions): () => void;
  /**
   * Sends an event to the backend. Resolves once it is sent or queued (bounded, while the connection is
   * down); rejects with `TransportError` when the bridge is off, `ValidationError` for a bad name or data
   * that is not JSON, `PayloadTooLargeError` for an event larger than one frame.
   */
  emit(event: string, data?: unknown): Promise<void>;
  /**
   * Turns the bridge on for this session, with `opts` replacing the settings' URL and token (each left out
   * comes from the settings). Undoes `disconnect()`, and retries at once after a refusal or when offline.
   * It still connects only while this client is the active GM. Bad options throw `ValidationError`.
   */
  connect(opts?: BridgeConnectOptions): void;
  /**
   * Closes the connection and keeps the bridge off on this client until `connect()` is called (settings
   * changes and GM handovers do not turn it back on). Forgets `connect()`'s overrides; queued events are dropped
   * (counted as `bridge-off`).
   */
  disconnect(): void;
  readonly state: BridgeState;
  status(): BridgeStatus;
  onStateChange(fn: (state: BridgeState) => void): () => void;
}
/** Every option Socket Manager accepts (defaults and rules: src/config.ts). */
export interface Config {
  /** Max envelopes per frame. */
  batchSize: number;
  /** The longest a low-priority message may wait for company (ms). Normal messages flush at end of task. */
  batchTimeout: number;
  /** Older messages are refused on receipt (ms, clock-offset corrected). */
  maxMessageAge: number;
  maxReconnectionAttempts: number;
  initialReconnectionDelay: number;
  maxReconnectionDelay: number;
  preferSocketLib: boolean;
  fallbackToLocal: boolean;
  enableDebugLogging: boolean;
  logAllMessages: boolean;
  performanceMonitoring: boolean;
  /** Default `request()` timeout (ms). */
  requestTimeout: number;
  /** Largest payload accepted by emit/request, in bytes of JSON. Larger ones are chunked up to this size. */
  maxPayloadBytes: number;
  /**
   * Largest frame put on the wire, measured as it travels: socket.io writes the frame string as JSON again, so
   * quotes and backslashes count twice. At most 900 KiB, which with the packet and socketlib wrappers stays
   * well under the 1 MB at which a socket.io server disconnects the sender.
   */
  maxFrameBytes: number;
  /** Envelopes kept while disconnected. */
  outboxSize: number;
  /** Per-sender sustained message rate (messages per second). */
  rateLimit: number;
  /** Per-sender burst allowance (messages). */
  rateBurst: number;
  /** Ping interval per peer (ms); 0 disables the heartbeat. */
  heartbeatInterval: number;
}
/**
 * Every error Socket Manager throws or rejects with. Each names the module (channel) it concerns, so a
 * console full of errors says at a glance which package is at fault.
 */
export interface ErrorDetails {
  /** The consumer module the error concerns ("socket-manager" for the module itself). */
  moduleId?: string;
  event?: string;
  userId?: string;
  cause?: unknown;
}
declare class SocketManagerError extends Error {
  readonly moduleId: string | undefined;
  readonly event: string | undefined;
  readonly userId: string | undefined;
  constructor(message: string, details?: ErrorDetails);
  /** Spelled out, not taken from the constructor, so minified bundles keep readable names. */
  get name(): string;
  /** Stable machine-readable name, also used on the wire. */
  get code(): string;
}
declare class TimeoutError extends SocketManagerError {
  get name(): string;
  /** Users that never answered (requests) or never acknowledged (reliable emits). */
  readonly missing: readonly string[];
  constructor(message: string, details?: ErrorDetails & {
    missing?: readonly string[];
  });
}
declare class NoGMError extends SocketManagerError {
  get name(): string;
}
declare class UserOfflineError extends SocketManagerError {
  get name(): string;
}
declare class PermissionDeniedError extends SocketManagerError {
  get name(): string;
}
declare class ValidationError extends SocketManagerError {
  get name(): string;
  /** Schema issues or the list of bad config keys, when there are any. */
  readonly issues: readonly {
    message: string;
    path?: readonly PropertyKey[];
  }[];
  constructor(message: string, details?: ErrorDetails & {
    issues?: readonly {
      message: string;
      path?: readonly PropertyKey[];
    }[];
  });
}
declare class RemoteHandlerError extends SocketManagerError {
  get name(): string;
  /** The message of the error thrown by the remote handler. */
  readonly remoteMessage: string;
  constructor(message: string, details?: ErrorDetails & {
    remoteMessage?: string;
  });
}
declare class NoHandlerError extends SocketManagerError {
  get name(): string;
}
declare class PayloadTooLargeError extends SocketManagerError {
  get name(): string;
}
declare class TransportError extends SocketManagerError {
  get name(): string;
}
declare const errors: Readonly<{
  SocketManagerError: typeof SocketManagerError;
  TimeoutError: typeof TimeoutError;
  NoGMError: typeof NoGMError;
  UserOfflineError: typeof UserOfflineError;
  PermissionDeniedError: typeof PermissionDeniedError;
  ValidationError: typeof ValidationError;
  RemoteHandlerError: typeof RemoteHandlerError;
  NoHandlerError: typeof NoHandlerError;
  PayloadTooLargeError: typeof PayloadTooLargeError;
  TransportError: typeof TransportError;
}>;
export type ErrorCode = keyof typeof errors;
/** The shapes of the metrics the API returns. */
export interface HistogramSnapshot {
  /** Samples ever recorded. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Percentiles over the most recent `capacity` samples. */
  p50: number;
  p95: number;
  p99: number;
}
export interface CounterSnapshot {
  messagesSent: number;
  messagesReceived: number;
  framesSent: number;
  framesReceived: number;
  bytesOut: number;
  bytesIn: number;
  /** Envelopes sent divided by frames sent. */
  envelopesPerFrame: number;
  coalesced: number;
  handlerErrors: number;
  requestsSent: number;
  /** Requests from other clients this client answered. */
  requestsAnswered: number;
  requestsFailed: number;
  /** Reliable envelopes sent again because an ack was missing. */
  retries: number;
  /** Times the socket came back after a disconnect. */
  reconnections: number;
  reconnectAttempts: number;
  /** Envelopes not addressed to this client (not an error: every frame reaches every client). */
  notForMe: number;
  dropped: Record<string, number>;
  droppedTotal: number;
}
export interface EventCounts {
  sent: number;
  received: number;
  bytesOut: number;
  bytesIn: number;
}
export interface MetricsSnapshotData extends CounterSnapshot {
  /** Round trip to peers (heartbeat and api.test()), null when monitoring is off. */
  rttMs: HistogramSnapshot | null;
  /** One-way latency of received messages, clock-offset corrected, null when monitoring is off. */
  latencyMs: HistogramSnapshot | null;
  /** Messages per second over the last 10 s. */
  rate: {
    in: number;
    out: number;
  };
  /** Per "moduleId/event". */
  events: Record<string, EventCounts>;
  /** The latest round trips (ms), oldest first, for a sparkline. */
  recentRtt: number[];
  /** The latest errors and warnings (handler throws, transport failures, high latency), oldest first. */
  recentErrors: {
    at: number;
    message: string;
  }[];
}
/** One step of a path into a shared value: an object key, or an array index. */
export type SharedPathSegment = string | number;
/**
 * One change to a shared value: `[path, value]` sets the value at `path` (an array index equal to the array's
 * length appends); `[path]` deletes an object key, or cuts an array at that index. `[[], value]` replaces it all.
 */
export type SharedOp = readonly [
  path: readonly SharedPathSegment[],
  value: unknown
] | readonly [
  path: readonly SharedPathSegment[]
];
/** The operations of one change, applied in order. */
export type SharedPatch = readonly SharedOp[];
/** What a shared state's subscribers get with each new value. */
export interface SharedChange {
  /** The version the value now has. */
  readonly version: number;
  /** The user whose change this is (for a full snapshot: the GM that sent it). */
  readonly changedBy: string;
  /**
   * The change as operations. On the GM, one per update; on other clients, what arrived (changes made within
   * one `patchRate` window arrive merged; a snapshot arrives as `[[[], value]]`).
   */
  readonly patch: SharedPatch;
}
/** A change as a `write` predicate sees it on the GM, before it is applied. */
export interface SharedProposal<T> extends SharedChange {
  /** The value the state would have (deeply frozen). */
  readonly value: T;
  /** The value it has now. */
  readonly previous: T;
}
/** Who may change a shared state: a minimum role, or a predicate over the server-stamped sender and the change. */
export type SharedWrite<T> = "player" | "trusted" | "assistant" | "gm" | ((sender: FoundryUser, change: SharedProposal<T>) => boolean);
export interface SharedOptions<T> {
  /** The value at version 0, the same on every client. JSON-safe. */
  initial: T;
  /** Any Standard Schema: every new value must pass it on the GM (its output is not used). Default: none. */
  schema?: StandardSchemaV1<unknown, T>;
  /** Who may change the state, checked by the GM. Default "gm": only full GMs' clients (and the GM itself). */
  write?: SharedWrite<T>;
  /** The GM saves the value (at most once a second) in a hidden world setting, and resumes from it. Default false. */
  persist?: boolean;
  /** Changes within this many ms are sent as one patch; 0 sends each change at once. Default 50. */
  patchRate?: number;
  /** Largest value, in UTF-8 bytes of its JSON. Default 1 MiB. */
  maxBytes?: number;
  /** Largest single change, in UTF-8 bytes of its JSON operations. Default 256 KiB. */
  maxPatchBytes?: number;
}
/** `set(partial)`: a plain-object state takes a shallow merge; any other state is replaced. */
export type SharedSetValue<T> = T extends readonly unknown[] ? T : T extends object ? Partial<T> : T;
/**
 * Live state owned by the active GM: every client holds the same value at the same version. Changes made on
 * the GM apply at once and go to everyone; changes made elsewhere are proposals the GM checks and applies.
 */
export interface SharedState<T> {
  readonly moduleId: string;
  readonly key: string;
  /** The current value, deeply frozen. Until this client has the GM's value, `initial`. */
  readonly value: T;
  /** 0 with `initial`; one more with each change the GM applied (a merged patch may move it further). */
  readonly version: number;
  /** True once this client holds the GM's value (at once on the GM). */
  readonly synced: boolean;
  /** `fn` after every change of the value on this client; returns the unsubscribe. */
  subscribe(fn: (value: T, change: SharedChange) => void): () => void;
  /**
   * Edits a mutable deep copy of the latest value. Resolves with the version of the change (the current one
   * when nothing changed) once this client holds it; rejects with PermissionDeniedError, ValidationError,
   * PayloadTooLargeError, NoGMError or TimeoutError, changing nothing anywhere.
   */
  update(fn: (draft: T) => void): Promise<number>;
  /** Shallow merge for a plain-object state, replacement otherwise; as `update`. */
  set(partial: SharedSetValue<T>): Promise<number>;
  /** Forgets the state on this client (a later `shared()` with its key starts again from the GM). */
  dispose(): void;
}
/** One shared state of this client, for the console and the status window (`api.shared()`). */
export interface SharedInfo {
  moduleId: string;
  key: string;
  version: number;
  /** UTF-8 bytes of the value's JSON. */
  bytes: number;
  subscribers: number;
  /** This client is the authority (the active GM, or local mode). */
  authority: boolean;
  /** This client holds the GM's value. */
  synced: boolean;
  persist: boolean;
  /** Full snapshots this client received after its first one (version gaps, reconnects, handovers). */
  resyncs: number;
}
/** Matches every socketlib-named error (JavaScript allows one parent class, so this checks a brand). */
declare class SocketlibError extends SocketManagerError {
  static [Symbol.hasInstance](value: unknown): boolean;
  constructor(message: string, details?: ErrorDetails);
  get name(): string;
}
type ErrorClass<T extends SocketManagerError> = new (message: string, details?: ErrorDetails) => T;
declare const socketlibErrors: Readonly<{
  SocketlibError: typeof SocketlibError;
  SocketlibNoGMConnectedError: ErrorClass<NoGMError>;
  SocketlibInvalidUserError: ErrorClass<UserOfflineError>;
  SocketlibRemoteException: ErrorClass<RemoteHandlerError>;
  SocketlibUnregisteredHandlerError: ErrorClass<NoHandlerError>;
  SocketlibInternalError: ErrorClass<SocketManagerError>;
  SocketlibTimeoutError: ErrorClass<TimeoutError>;
}>;
/** A socketlib handler as registered: named by string, or by the function itself. */
export type SocketlibHandlerRef = string | ((...args: never[]) => unknown);
/** `api.socketlib.registerModule(id, options)`. */
export interface SocketlibCompatOptions {
  /** Milliseconds before executeAsGM / executeAsUser reject with a TimeoutError. Default: none, as socketlib. */
  timeout?: number;
}
export interface SocketlibCompatSocket {
  /** As socketlib's, plus optional permission and schema checks on the receiving side. */
  register(name: string, fn: (...args: never[]) => unknown, opts?: HandlerOptions): void;
  executeAsGM<R = unknown>(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<R>;
  executeAsUser<R = unknown>(handler: SocketlibHandlerRef, userId: string, ...args: unknown[]): Promise<R>;
  executeForEveryone(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForOthers(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForAllGMs(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForOtherGMs(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForUsers(handler: SocketlibHandlerRef, userIds: string[], ...args: unknown[]): Promise<void>;
}
export interface PeerInfo {
  userId: string;
  name: string;
  role: UserRole;
  isGM: boolean;
  active: boolean;
  /** Known once the peer said hello. */
  hasModule: boolean;
  moduleVersion?: string;
  protocol?: number;
  transport?: TransportKind;
  rttMs?: number;
  clockOffsetMs?: number;
  /** The peer's page session (new on every load), once it said hello. */
  session?: string;
}
/** A peer's lifecycle: it said hello from a new session (join), answered a round trip (ready), left. */
export type PeerEvent = "join" | "ready" | "leave";
export interface PeerTestResult {
  userId: string;
  name: string;
  ok: boolean;
  rttMs?: number;
  error?: string;
}
export interface EventInfo {
  moduleId: string;
  event: string;
  handlers: number;
  responder: boolean;
  received: number;
  sent: number;
  bytesIn: number;
  bytesOut: number;
}
export interface Status {
  version: string;
  protocol: number;
  transport: TransportKind | null;
  state: ConnectionState;
  userId: string;
  session: string;
  connected: boolean;
  channels: string[];
  pendingRequests: number;
  outbox: number;
  /** Other users connected now. */
  peers: number;
  /** Of those, the ones known to run Socket Manager. */
  peersWithModule: number;
}
export interface MetricsSnapshot extends MetricsSnapshotData {
  /** Envelopes waiting in the outbox now. */
  outboxDepth: number;
  at: number;
}
/** A request's entry in a typed channel's event map: what the asker sends, what the responder returns. */
export interface RequestEntry<D = unknown, R = unknown> {
  data: D;
  result: R;
}
/** The events of an event map that are requests (their entry is `{ data; result }`). */
export type RequestEventName<Events> = {
  [K in keyof Events]: Events[K] extends RequestEntry ? K : never;
}[keyof Events] & string;
/** The events of an event map that are plain messages (`on`, `once`, `off`, `emit`). */
export type MessageEventName<Events> = Exclude<keyof Events & string, RequestEventName<Events>>;
/** What the asker sends for a request entry. */
export type RequestData<Entry> = Entry extends RequestEntry<infer D, unknown> ? D : never;
/** What the responder returns for a request entry. */
export type RequestReturn<Entry> = Entry extends RequestEntry<unknown, infer R> ? R : never;
/** A payload argument followed by options: optional when the payload type accepts `undefined` (or is `void`). */
export type PayloadArgs<T, Options> = undefined extends T ? [
  data?: T,
  opts?: Options
] : [
  data: T,
  opts?: Options
];
/**
 * `api.channel<Events>(moduleId)`: `Events` maps each event name to its payload type, and each request to
 * `{ data: D; result: R }` ({@link RequestEntry}). Messages go through `on`, `once`, `off` and `emit`; requests
 * through `handle`, `request` and `requestAll`; an unknown name or a wrong payload does not compile. A handler
 * `schema` must produce the event's payload type. The map is a compile-time promise only: other clients may
 * send anything, so validate what matters with a `schema`.
 */
export interface TypedChannel<Events> {
  readonly moduleId: string;
  on<K extends MessageEventName<Events>>(event: K, handler: Handler<Events[K]>, opts?: HandlerOptions<Events[K]>): () => void;
  once<K extends MessageEventName<Events>>(event: K, handler: Handler<Events[K]>, opts?: HandlerOptions<Events[K]>): () => void;
  off(event: MessageEventName<Events>, handler?: Handler<never>): void;
  /** The one responder for `event` on this channel (a second registration throws). */
  handle<K extends RequestEventName<Events>>(event: K, fn: Responder<RequestData<Events[K]>, RequestReturn<Events[K]>>, opts?: HandlerOptions<RequestData<Events[K]>>): () => void;
  emit<K extends MessageEventName<Events>>(event: K, ...args: PayloadArgs<Events[K], EmitOptions>): Promise<EmitReport>;
  /** See {@link UntypedChannel.onPeer}. */
  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void;
  request<K extends RequestEventName<Events>>(event: K, ...args: PayloadArgs<RequestData<Events[K]>, RequestOptions>): Promise<RequestReturn<Events[K]>>;
  requestAll<K extends RequestEventName<Events>>(event: K, ...args: PayloadArgs<RequestData<Events[K]>, RequestAllOptions>): Promise<Map<string, RequestResult<RequestReturn<Events[K]>>>>;
  /** See {@link UntypedChannel.shared}. */
  shared<T>(key: string, opts: SharedOptions<T>): SharedState<T>;
  /** Drops every handler, responder and shared state of this module. */
  dispose(): void;
}
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
export type InferSchemaOutput<S extends StandardSchemaV1> = S extends StandardSchemaV1<unknown, infer Output> ? Output : unknown;
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
export type RequestResult<R> = {
  ok: true;
  value: R;
} | {
  ok: false;
  error: Error;
};
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
  on<S extends StandardSchemaV1>(event: string, handler: Handler<InferSchemaOutput<S>>, opts: SchemaHandlerOptions<S>): () => void;
  on<T = unknown>(event: string, handler: Handler<T>, opts?: HandlerOptions): () => void;
  once<S extends StandardSchemaV1>(event: string, handler: Handler<InferSchemaOutput<S>>, opts: SchemaHandlerOptions<S>): () => void;
  once<T = unknown>(event: string, handler: Handler<T>, opts?: HandlerOptions): () => void;
  off(event: string, handler?: Handler<never>): void;
  /** The one responder for `event` on this channel (a second registration throws). */
  handle<S extends StandardSchemaV1, R = unknown>(event: string, fn: Responder<InferSchemaOutput<S>, R>, opts: SchemaHandlerOptions<S>): () => void;
  handle<T = unknown, R = unknown>(event: string, fn: Responder<T, R>, opts?: HandlerOptions): () => void;
  emit(event: string, data?: unknown, opts?: EmitOptions): Promise<EmitReport>;
  /**
   * A peer running Socket Manager joined (said hello from a new session), is ready (answered a round trip) or
   * left; a reload is a leave and a join. Returns the unsubscribe.
   */
  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void;
  request<R = unknown>(event: string, data?: unknown, opts?: RequestOptions): Promise<R>;
  requestAll<R = unknown>(event: string, data?: unknown, opts?: RequestAllOptions): Promise<Map<string, RequestResult<R>>>;
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
  test(opts?: {
    timeout?: number;
  }): Promise<PeerTestResult[]>;
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
type OtherHook<H extends string> = H extends keyof SocketManagerHooks ? never : H;
type AnyHookCallback = (...args: any[]) => unknown;
declare global {
  /**
   * Socket Manager's hooks, by name: the callback each one gets. Your Foundry typings' `Hooks` is yours, so
   * this is not merged into it by itself; README, "TypeScript", shows how to use it with or without them.
   */
  interface SocketManagerHooks {
    /** Once the transport is chosen (at Foundry's `ready`): the same object as `globalThis.SocketManager`. */
    "socket-manager.ready": (api: Api) => void;
    /** On every change of connection state or transport. */
    "socket-manager.stateChanged": (state: ConnectionState, transport: TransportKind | null) => void;
    /** A client running Socket Manager said hello from a new page session. */
    "socket-manager.peerJoined": (peer: PeerInfo) => void;
    /** A client running Socket Manager left. */
    "socket-manager.peerLeft": (peer: PeerInfo) => void;
  }
  /**
   * Foundry's `Hooks` with Socket Manager's hooks typed and every other hook as loose as it comes. For a project
   * without Foundry typings of its own: `declare const Hooks: SocketManagerTypedHooks;`.
   */
  interface SocketManagerTypedHooks {
    on<K extends keyof SocketManagerHooks>(hook: K, fn: SocketManagerHooks[K]): number;
    on<H extends string>(hook: OtherHook<H>, fn: AnyHookCallback): number;
    once<K extends keyof SocketManagerHooks>(hook: K, fn: SocketManagerHooks[K]): number;
    once<H extends string>(hook: OtherHook<H>, fn: AnyHookCallback): number;
    off<K extends keyof SocketManagerHooks>(hook: K, fn: number | SocketManagerHooks[K]): void;
    off<H extends string>(hook: OtherHook<H>, fn: number | AnyHookCallback): void;
    call(hook: string, ...args: unknown[]): boolean;
    callAll(hook: string, ...args: unknown[]): boolean;
  }
  /**
   * Socket Manager's API, the same object as `game.modules.get("socket-manager").api`. Set during Foundry's
   * `init`: read it in a hook (`init` of a module loaded after Socket Manager, `setup`, `ready`,
   * `socket-manager.ready`), not when your module file loads.
   */
  var SocketManager: Api;
}

export type {
  NoGMError,
  NoHandlerError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RemoteHandlerError,
  SocketManagerError,
  SocketlibError,
  TimeoutError,
  TransportError,
  UserOfflineError,
  ValidationError,
};
