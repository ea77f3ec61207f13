import type { Clock, TimerHandle } from "../clock";
import { TimeoutError } from "../contract/errors";
import type { Counters } from "../metrics/counters";
import type { Envelope } from "../pipeline/envelope";
import { FLAG_RELIABLE } from "../pipeline/envelope";
import type { Outgoing } from "../pipeline/outgoing";
import { backoffDelay } from "./backoff";
import { ReliableStreams, type StreamTags } from "./streams";

/** Retransmission backoff for unacknowledged reliable messages. */
export const RETRY_INITIAL_MS = 300;
export const RETRY_MAX_MS = 5000;

interface Pending {
  readonly env: Envelope;
  readonly missing: Set<string>;
  readonly acked: string[];
  attempt: number;
  timer: TimerHandle;
  deadline: TimerHandle;
  resolve(delivery: Delivery): void;
  reject(error: Error): void;
}

/** Who acknowledged a reliable message, and who had not when its timeout struck (the others did). */
export interface Delivery {
  acked: string[];
  missing: string[];
}

export interface ReliableSenderDeps {
  out: Outgoing;
  clock: Clock;
  counters: Counters;
  random: () => number;
  /** Whether frames can leave now (retransmitting into the outbox would only duplicate). */
  online: () => boolean;
}

/**
 * Sends reliable messages: numbers them per recipient stream, retransmits to whoever has not acknowledged
 * with exponential backoff and jitter, and settles when all acknowledged or the timeout strikes.
 */
export class ReliableSender {
  readonly #streams = new ReliableStreams<Pending>();
  readonly #pending = new Set<Pending>();

  readonly #deps: ReliableSenderDeps;

  constructor(deps: ReliableSenderDeps) {
    this.#deps = deps;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Sends `env` (a message envelope without targets) to `recipients` ({userId, session} of peers that run
   * Socket Manager). Resolves with who acknowledged (and, at the timeout, who had not); rejects with a
   * TimeoutError when nobody acknowledged in time.
   */
  send(
    env: Envelope,
    recipients: { userId: string; session: string }[],
    timeout: number,
  ): { queued: boolean; acked: Promise<Delivery> } {
    let resolve: (delivery: Delivery) => void = () => {};
    let reject: (error: Error) => void = () => {};
    const acked = new Promise<Delivery>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (recipients.length === 0) {
      resolve({ acked: [], missing: [] });
      return { queued: false, acked };
    }
    const entry: Pending = {
      env,
      missing: new Set(recipients.map((r) => r.userId)),
      acked: [],
      attempt: 0,
      timer: null,
      deadline: null,
      resolve,
      reject,
    };
    env.f = (env.f ?? 0) | FLAG_RELIABLE;
    env.t = [...entry.missing];
    env.o = this.#streams.number(entry, recipients);
    let queued: boolean;
    try {
      ({ queued } = this.#deps.out.send(env, { priority: "normal" }));
    } catch (e) {
      this.#streams.unnumber(entry, env.o);
      throw e;
    }
    this.#pending.add(entry);
    entry.deadline = this.#deps.clock.setTimeout(() => this.#expire(entry, timeout), timeout);
    this.#scheduleRetry(entry);
    return { queued, acked };
  }

  /** `userId` (in `session`) holds these stream numbers. */
  ack(userId: string, session: string, numbers: number[]): void {
    for (const entry of this.#streams.ack(userId, session, numbers)) {
      if (!entry.missing.delete(userId)) continue;
      entry.acked.push(userId);
      if (entry.missing.size === 0) this.#finish(entry);
    }
  }

  /** A recipient reloaded: what it had not acknowledged is renumbered for its new session and sent again. */
  peerRestarted(userId: string, session: string): void {
    const renumbered = this.#streams.renumber(userId, session);
    for (const [entry, tag] of renumbered) {
      if (!entry.missing.has(userId)) continue;
      entry.env.o = { ...entry.env.o, [userId]: tag };
      this.#retransmit(entry, [userId]);
    }
  }

  /** Fails everything in flight (shutdown). */
  abort(error: Error): void {
    for (const entry of [...this.#pending]) {
      this.#stop(entry);
      entry.reject(error);
    }
  }

  #scheduleRetry(entry: Pending): void {
    const delay = backoffDelay(
      entry.attempt,
      { initial: RETRY_INITIAL_MS, max: RETRY_MAX_MS },
      this.#deps.random,
    );
    entry.timer = this.#deps.clock.setTimeout(() => {
      entry.timer = null;
      if (!this.#pending.has(entry)) return;
      if (this.#deps.online()) this.#retransmit(entry, [...entry.missing]);
      entry.attempt++;
      this.#scheduleRetry(entry);
    }, delay);
  }

  #retransmit(entry: Pending, to: string[]): void {
    const original = entry.env;
    const tags: StreamTags = {};
    for (const id of to) {
      const tag = original.o?.[id];
      // The floor may have risen since the first send (acks, abandoned messages): send the current one.
      if (tag) tags[id] = this.#streams.retag(id, tag);
    }
    // A fresh envelope (new sequence number) with the same stream numbers: receivers run it at most once.
    // It carries a fresh send time: a message the receiver has not run must not expire while it is retried.
    const copy = this.#deps.out.envelope(original.k, original.c, original.e, original.d, Object.keys(tags));
    copy.f = original.f ?? FLAG_RELIABLE;
    copy.o = tags;
    this.#deps.counters.retries++;
    this.#deps.out.send(copy, { priority: "normal" });
  }

  /**
   * The timeout struck. A peer that never acks must not hold the others hostage: when some acknowledged, the
   * message settles with who is missing; only when nobody did is it a TimeoutError.
   */
  #expire(entry: Pending, timeout: number): void {
    if (!this.#pending.has(entry)) return;
    this.#stop(entry);
    const missing = [...entry.missing];
    this.#deps.counters.drop("reliable-timeout");
    if (entry.acked.length > 0) return entry.resolve({ acked: entry.acked, missing });
    entry.reject(
      new TimeoutError(`not acknowledged within ${timeout} ms by ${missing.join(", ")}`, {
        moduleId: entry.env.c,
        event: entry.env.e,
        missing,
      }),
    );
  }

  #finish(entry: Pending): void {
    this.#stop(entry);
    entry.resolve({ acked: entry.acked, missing: [] });
  }

  #stop(entry: Pending): void {
    this.#pending.delete(entry);
    this.#streams.drop(entry, entry.env.o ?? {});
    if (entry.timer !== null) this.#deps.clock.clearTimeout(entry.timer);
    if (entry.deadline !== null) this.#deps.clock.clearTimeout(entry.deadline);
  }
}
