/** Typed channels: `api.channel<Events>(moduleId)`, each call checked against an event map. */

import type { SharedOptions, SharedState } from "./shared";
import type {
  EmitOptions,
  EmitReport,
  Handler,
  HandlerOptions,
  PeerEvent,
  PeerInfo,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  Responder,
} from "./types";

/** A request's entry in a typed channel's event map: what the asker sends, what the responder returns. */
export interface RequestEntry<D = unknown, R = unknown> {
  data: D;
  result: R;
}

/** The events of an event map that are requests (their entry is `{ data; result }`). */
export type RequestEventName<Events> = {
  [K in keyof Events]: Events[K] extends RequestEntry ? K : never;
}[keyof Events] &
  string;

/** The events of an event map that are plain messages (`on`, `once`, `off`, `emit`). */
export type MessageEventName<Events> = Exclude<keyof Events & string, RequestEventName<Events>>;

/** What the asker sends for a request entry. */
export type RequestData<Entry> = Entry extends RequestEntry<infer D, unknown> ? D : never;

/** What the responder returns for a request entry. */
export type RequestReturn<Entry> = Entry extends RequestEntry<unknown, infer R> ? R : never;

/** A payload argument followed by options: optional when the payload type accepts `undefined` (or is `void`). */
export type PayloadArgs<T, Options> = undefined extends T
  ? [data?: T, opts?: Options]
  : [data: T, opts?: Options];

/**
 * `api.channel<Events>(moduleId)`: `Events` maps each event name to its payload type, and each request to
 * `{ data: D; result: R }` ({@link RequestEntry}). Messages go through `on`, `once`, `off` and `emit`; requests
 * through `handle`, `request` and `requestAll`; an unknown name or a wrong payload does not compile. A handler
 * `schema` must produce the event's payload type. The map is a compile-time promise only: other clients may
 * send anything, so validate what matters with a `schema`.
 */
export interface TypedChannel<Events> {
  readonly moduleId: string;
  on<K extends MessageEventName<Events>>(
    event: K,
    handler: Handler<Events[K]>,
    opts?: HandlerOptions<Events[K]>,
  ): () => void;
  once<K extends MessageEventName<Events>>(
    event: K,
    handler: Handler<Events[K]>,
    opts?: HandlerOptions<Events[K]>,
  ): () => void;
  off(event: MessageEventName<Events>, handler?: Handler<never>): void;
  /** The one responder for `event` on this channel (a second registration throws). */
  handle<K extends RequestEventName<Events>>(
    event: K,
    fn: Responder<RequestData<Events[K]>, RequestReturn<Events[K]>>,
    opts?: HandlerOptions<RequestData<Events[K]>>,
  ): () => void;
  emit<K extends MessageEventName<Events>>(
    event: K,
    ...args: PayloadArgs<Events[K], EmitOptions>
  ): Promise<EmitReport>;
  /** See {@link UntypedChannel.onPeer}. */
  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void;
  request<K extends RequestEventName<Events>>(
    event: K,
    ...args: PayloadArgs<RequestData<Events[K]>, RequestOptions>
  ): Promise<RequestReturn<Events[K]>>;
  requestAll<K extends RequestEventName<Events>>(
    event: K,
    ...args: PayloadArgs<RequestData<Events[K]>, RequestAllOptions>
  ): Promise<Map<string, RequestResult<RequestReturn<Events[K]>>>>;
  /** See {@link UntypedChannel.shared}. */
  shared<T>(key: string, opts: SharedOptions<T>): SharedState<T>;
  /** Drops every handler, responder and shared state of this module. */
  dispose(): void;
}
