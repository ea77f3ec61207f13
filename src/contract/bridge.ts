/** Public types of the bridge to an external backend (docs/BRIDGE.md). */
import type { StandardSchemaV1 } from "./schema";

/**
 * The bridge to an external backend (docs/BRIDGE.md): "off" unless a GM set its URL and this client is the
 * active GM with a token; "offline" once the reconnection attempts ran out (it keeps probing).
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

export interface BridgeApi {
  /** The one handler the backend reaches with requests of `kind` (a second registration throws). */
  handle<T = unknown, R = unknown>(
    kind: string,
    fn: BridgeHandler<T, R>,
    opts?: BridgeHandlerOptions,
  ): () => void;
  /** Sends an event to the backend; queued (bounded) while the connection is down. False when the bridge is off. */
  emit(event: string, data?: unknown): boolean;
  readonly state: BridgeState;
  status(): BridgeStatus;
  onStateChange(fn: (state: BridgeState) => void): () => void;
}
