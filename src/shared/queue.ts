/**
 * The authority's change queue: every change (its own, proposals, answers to wants, the handover) runs here,
 * one at a time, in arrival order; a job that returns a promise holds the queue until it settles. Bounded per
 * sender and in all, in changes and in their bytes; this client's own changes are never refused for the queue's
 * size.
 */
import { SocketManagerError } from "../contract/errors";
import type { Held } from "./held";

/** Changes waiting on the authority, from all other users together and from one. */
export const MAX_QUEUED = 1000;
export const MAX_QUEUED_PER_USER = 100;
/**
 * Bytes of operations waiting on the authority, from all other users together and from one, in the state's
 * `maxPatchBytes` (the most one proposal may carry). A client sends its proposals one at a time, so one user
 * waits with one per client it has open: 4 leaves room for a few, 32 for that many users at once.
 */
export const MAX_QUEUED_PATCHES = 32;
export const MAX_QUEUED_PATCHES_PER_USER = 4;

/** Who sent a queued change, and the JSON size of its operations. */
export interface Sender {
  id: string;
  bytes: number;
}

interface Job {
  owner: Sender | null;
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

export class ChangeQueue {
  readonly #held: Held;
  readonly #jobs: Job[] = [];
  readonly #queuedBy = new Map<string, { count: number; bytes: number }>();
  #queuedBytes = 0;
  #draining = false;
  #waiting = false;

  constructor(held: Held) {
    this.#held = held;
  }

  /** `owner` null: this client's own change, never refused for the queue's size. `front`: ahead of the rest. */
  add<R>(owner: Sender | null, run: () => R | Promise<R>, front = false): Promise<R> {
    if (this.#held.disposed) return Promise.reject(this.#held.disposedError());
    if (owner !== null) {
      const full = this.#full(owner);
      if (full) return Promise.reject(new SocketManagerError(full, this.#held.details()));
      this.#charge(owner, 1);
    }
    return new Promise<R>((resolve, reject) => {
      const job: Job = { owner, run, resolve: resolve as (v: unknown) => void, reject };
      if (front) this.#jobs.unshift(job);
      else this.#jobs.push(job);
      this.#drain();
    });
  }

  /** Rejects every waiting job with `error` (the state was disposed or the client shut down). */
  rejectAll(error: Error): void {
    for (const job of this.#jobs.splice(0)) {
      if (job.owner !== null) this.#charge(job.owner, -1);
      job.reject(error);
    }
  }

  /** Why `owner`'s change cannot wait, or null when it can. */
  #full(owner: Sender): string | null {
    const mine = this.#queuedBy.get(owner.id) ?? { count: 0, bytes: 0 };
    if (this.#jobs.length >= MAX_QUEUED || mine.count >= MAX_QUEUED_PER_USER)
      return "too many changes are waiting for this shared state";
    const patch = this.#held.config.maxPatchBytes;
    if (
      this.#queuedBytes + owner.bytes > MAX_QUEUED_PATCHES * patch ||
      mine.bytes + owner.bytes > MAX_QUEUED_PATCHES_PER_USER * patch
    )
      return "too many bytes of changes are waiting for this shared state";
    return null;
  }

  /** Counts a change of `owner`'s into the queue (`sign` 1) or out of it (−1). */
  #charge(owner: Sender, sign: 1 | -1): void {
    const mine = this.#queuedBy.get(owner.id) ?? { count: 0, bytes: 0 };
    const left = { count: mine.count + sign, bytes: mine.bytes + sign * owner.bytes };
    if (left.count > 0) this.#queuedBy.set(owner.id, left);
    else this.#queuedBy.delete(owner.id);
    this.#queuedBytes += sign * owner.bytes;
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#waiting) {
        const job = this.#jobs.shift();
        if (!job) break;
        if (job.owner !== null) this.#charge(job.owner, -1);
        let out: unknown;
        try {
          out = job.run();
        } catch (e) {
          job.reject(e);
          continue;
        }
        if (!isThenable(out)) {
          job.resolve(out);
          continue;
        }
        this.#waiting = true;
        Promise.resolve(out)
          .then(job.resolve, job.reject)
          .finally(() => {
            this.#waiting = false;
            this.#drain();
          });
      }
    } finally {
      this.#draining = false;
    }
  }
}
