/** Public types of the bridge to an external backend (docs/BRIDGE.md). */
import type { StandardSchemaV1 } from "./schema";

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
  handle<T = unknown, R = unknown>(
    kind: string,
    fn: BridgeHandler<T, R>,
    opts?: BridgeHandlerOptions,
  ): () => void;
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
