/**
 * Reliable delivery loads on first use: a client that never sends or receives a reliable message never
 * fetches its chunk (src/services/reliable-delivery.ts and src/reliability/{reliable,streams,inbox}.ts). The
 * first reliable emit waits for the chunk; the first reliable message from another client waits in the
 * receive hold (src/services/hold.ts), so the order is kept.
 */
import type { EmitReport, MessageContext } from "../contract/types";
import type { Envelope } from "../pipeline/envelope";
import { type Chunk, chunk, OnDemand } from "./on-demand";
import type { ReliableDelivery, ReliableDeps } from "./reliable-delivery";

type Module = { ReliableDelivery: typeof ReliableDelivery };
export type ReliableChunk = Chunk<Module>;

export const reliableChunk: ReliableChunk = chunk(() => import("./reliable-delivery"));

export class LazyReliable {
  readonly #part: OnDemand<Module, ReliableDelivery>;
  readonly #deps: ReliableDeps;
  /** Set at shutdown: an emit still waiting for the chunk then fails instead of starting. */
  #aborted: Error | null = null;

  constructor(deps: ReliableDeps, source: ReliableChunk = reliableChunk) {
    this.#deps = deps;
    this.#part = new OnDemand(source, (m) => new m.ReliableDelivery(deps), deps.core.clock);
  }

  whenReady(): Promise<unknown> | null {
    return this.#part.whenReady();
  }

  async emit(
    env: Envelope,
    id: string,
    target: { self: boolean; recipients: string[] },
    timeout: number,
  ): Promise<EmitReport> {
    // Starts in this task when the chunk is loaded (the envelope leaves in order with the ones after it).
    const reliable = this.#part.now() ?? (await this.#part.get());
    if (this.#aborted) throw this.#aborted;
    return reliable.emit(env, id, target, timeout);
  }

  /** Runs only after `whenReady()` settled (the receive hold sees to it). */
  receive(env: Envelope, session: string, ctx: MessageContext, bytes: number): void {
    this.#part.now()?.receive(env, session, ctx, bytes);
  }

  /** An ack before any reliable message was sent acknowledges nothing. */
  ack(senderId: string, payload: unknown): void {
    const reliable = this.#part.built;
    if (reliable) reliable.ack(senderId, payload);
    else this.#deps.core.counters.drop("reliable-stale");
  }

  peerRestarted(userId: string, session: string): void {
    this.#part.built?.peerRestarted(userId, session);
  }

  abort(error: Error): void {
    this.#aborted = error;
    this.#part.built?.abort(error);
  }
}
