/**
 * On a replica: this client's changes as proposals to the authority (`$sh.q`), one at a time, each computed
 * on the value the one before produced, after the authority's value arrived; answered once (retried while the
 * GM hands over), with the GM's refusals rebuilt as typed errors under this state's module and key.
 */
import {
  errorMessage,
  NoGMError,
  PayloadTooLargeError,
  PermissionDeniedError,
  SocketManagerError,
  TimeoutError,
  ValidationError,
} from "../contract/errors";
import { type Authority, checkSizes } from "./authority";
import { diff } from "./diff";
import type { Held } from "./held";
import { type Json, toJson } from "./json";
import { applyPatch } from "./patch";
import type { ChangeQueue } from "./queue";
import type { Resync } from "./resync";
import type { Waiters } from "./waiters";
import type { ProposeReply } from "./wire";

/** A proposal the GM could not take (it was handing over) is sent this many times in all. */
export const PROPOSE_ATTEMPTS = 3;
const PROPOSE_RETRY_MS = 250;

export class Proposer {
  readonly #held: Held;
  readonly #queue: ChangeQueue;
  readonly #authority: Authority;
  readonly #waiters: Waiters;
  readonly #resync: Resync;
  #proposals: Promise<unknown> = Promise.resolve();

  constructor(held: Held, queue: ChangeQueue, authority: Authority, waiters: Waiters, resync: Resync) {
    this.#held = held;
    this.#queue = queue;
    this.#authority = authority;
    this.#waiters = waiters;
    this.#resync = resync;
  }

  /** This client's proposals go one at a time, each computed on the value the one before produced. */
  inTurn(next: (current: Json) => unknown): Promise<number> {
    const run = this.#proposals.then(() => this.#propose(next));
    this.#proposals = run.catch(() => {});
    return run;
  }

  /** The change as a proposal to the authority, answered once (or retried while it hands over). */
  async #propose(next: (current: Json) => unknown): Promise<number> {
    const held = this.#held;
    for (let attempt = 1; ; attempt++) {
      if (held.disposed) throw held.disposedError();
      if (held.authority)
        return this.#queue.add(null, () => {
          if (!held.authority) throw new NoGMError("the authority moved on; try again", held.details());
          return this.#authority.applyOwn(next);
        });
      if (held.host.authority() === null)
        throw new NoGMError("no GM is connected to apply the change", held.details());
      await this.#untilSynced();
      if (held.authority) continue;
      const value = toJson(next(held.value));
      const ops = diff(held.value, value, "whole");
      if (ops.length === 0) return held.version;
      checkSizes(held, applyPatch(held.value, ops, held.bytes));
      let reply: ProposeReply;
      try {
        reply = await held.host.propose({ ...held.ref, o: ops });
      } catch (e) {
        throw this.#retyped(e);
      }
      if ("v" in reply) {
        await this.#waiters.untilVersion(reply.v);
        return reply.v;
      }
      if (reply.r === 1 && attempt < PROPOSE_ATTEMPTS) {
        await new Promise<void>((resolve) => held.host.clock.setTimeout(resolve, PROPOSE_RETRY_MS));
        continue;
      }
      throw this.#refusal(reply);
    }
  }

  /** Resolves once this client holds the authority's value, asking for it meanwhile. */
  #untilSynced(): Promise<void> {
    if (this.#held.synced) return Promise.resolve();
    this.#resync.ask();
    return this.#waiters.untilSynced();
  }

  /** An error from the request machinery, under this state's module and key. */
  #retyped(e: unknown): Error {
    if (!(e instanceof SocketManagerError))
      return e instanceof Error ? e : new SocketManagerError(errorMessage(e));
    const message = e.message.replace(/^Socket Manager \| [^:]*: /, "");
    const details = { ...this.#held.details(), cause: e, ...(e.userId ? { userId: e.userId } : {}) };
    if (e instanceof TimeoutError) return new TimeoutError(message, { ...details, missing: e.missing });
    if (e instanceof NoGMError) return new NoGMError(message, details);
    if (e instanceof PayloadTooLargeError) return new PayloadTooLargeError(message, details);
    return e;
  }

  /** The GM's refusal, rebuilt as the typed error it names. */
  #refusal(reply: { x: string; m: string; i?: { message: string; path?: PropertyKey[] }[] }): Error {
    const details = this.#held.details();
    switch (reply.x) {
      case "PermissionDeniedError":
        return new PermissionDeniedError(reply.m, details);
      case "ValidationError":
        return new ValidationError(reply.m, { ...details, issues: reply.i ?? [] });
      case "PayloadTooLargeError":
        return new PayloadTooLargeError(reply.m, details);
      case "NoGMError":
        return new NoGMError(reply.m, details);
      default:
        return new SocketManagerError(reply.m, details);
    }
  }
}
