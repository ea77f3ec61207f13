/**
 * Requests load on first use: a client that never asks or answers one never fetches their chunk
 * (src/services/requests.ts and what only it needs). The first `request()` waits for the chunk; the first
 * request from another client waits in the receive hold (src/services/hold.ts), so the order is kept.
 */
import { SocketManagerError } from "../contract/errors";
import type { MessageContext, RequestAllOptions, RequestOptions, RequestResult } from "../contract/types";
import type { Envelope } from "../pipeline/envelope";
import { type Chunk, chunk, OnDemand } from "./on-demand";
import type { PendingCall } from "./request-tracker";
import type { Requests, RequestsDeps } from "./requests";

export type RequestsChunk = Chunk<{ Requests: typeof Requests }>;

export const requestsChunk: RequestsChunk = chunk(() => import("./requests"));

export class LazyRequests {
  readonly #part: OnDemand<{ Requests: typeof Requests }, Requests>;
  readonly #deps: RequestsDeps;
  /** Set at shutdown: a call still waiting for the chunk then fails instead of starting. */
  #closed = false;

  constructor(deps: RequestsDeps, source: RequestsChunk = requestsChunk) {
    this.#deps = deps;
    this.#part = new OnDemand(source, (m) => new m.Requests(deps), deps.core.clock);
  }

  get loaded(): boolean {
    return this.#part.built !== null;
  }

  get pending(): number {
    return this.#part.built?.pending ?? 0;
  }

  whenReady(): Promise<unknown> | null {
    return this.#part.whenReady();
  }

  /** Starts at once when the chunk is loaded (the envelope leaves in this task), else after it loads. */
  request<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestOptions,
    unbounded = false,
  ): Promise<R> {
    return this.#with(channel, event, (r) => r.request<R>(channel, event, data, opts, unbounded));
  }

  requestAll<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>> {
    return this.#with(channel, event, (r) => r.requestAll<R>(channel, event, data, opts));
  }

  /** The call itself once the chunk is loaded: no promise of its own in between, so no wait added to it. */
  #with<T>(moduleId: string, event: string, call: (requests: Requests) => Promise<T>): Promise<T> {
    const requests = this.#part.now();
    if (requests && !this.#closed) return call(requests);
    return this.#afterLoad(moduleId, event, call);
  }

  async #afterLoad<T>(moduleId: string, event: string, call: (requests: Requests) => Promise<T>): Promise<T> {
    const requests = await this.#part.get();
    if (this.#closed) throw new SocketManagerError("Socket Manager was shut down", { moduleId, event });
    return call(requests);
  }

  /** Runs only after `whenReady()` settled (the receive hold sees to it). */
  answer(env: Envelope, ctx: MessageContext, session: string): void {
    this.#part.now()?.answer(env, ctx, session);
  }

  /** A reply before any request was sent answers nothing. */
  reply(env: Envelope, senderId: string): void {
    const requests = this.#part.built;
    if (requests) requests.reply(env, senderId);
    else this.#deps.core.counters.drop("stale-reply");
  }

  userLeft(userId: string): void {
    this.#part.built?.userLeft(userId);
  }

  resendPending(): void {
    this.#part.built?.resendPending();
  }

  failEverything(error: (call: PendingCall, userId: string) => Error): void {
    this.#closed = true;
    this.#part.built?.failEverything(error);
  }
}
