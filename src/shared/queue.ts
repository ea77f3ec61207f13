/**
 * The authority's change queue: every change (its own, proposals, answers to wants, the handover) runs here,
 * one at a time, in arrival order; a job that returns a promise holds the queue until it settles. Bounded per
 * sender and in all; this client's own changes are never refused for the queue's size.
 */
import { SocketManagerError } from "../contract/errors";
import type { Held } from "./held";

/** Changes waiting on the authority, from all other users together and from one. */
export const MAX_QUEUED = 1000;
export const MAX_QUEUED_PER_USER = 100;

interface Job {
  owner: string | null;
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
  readonly #queuedBy = new Map<string, number>();
  #draining = false;
  #waiting = false;

  constructor(held: Held) {
    this.#held = held;
  }

  /** `owner` null: this client's own change, never refused for the queue's size. `front`: ahead of the rest. */
  add<R>(owner: string | null, run: () => R | Promise<R>, front = false): Promise<R> {
    if (this.#held.disposed) return Promise.reject(this.#held.disposedError());
    if (owner !== null) {
      const mine = this.#queuedBy.get(owner) ?? 0;
      if (this.#jobs.length >= MAX_QUEUED || mine >= MAX_QUEUED_PER_USER)
        return Promise.reject(
          new SocketManagerError("too many changes are waiting for this shared state", this.#held.details()),
        );
      this.#queuedBy.set(owner, mine + 1);
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
    for (const job of this.#jobs.splice(0)) job.reject(error);
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#waiting) {
        const job = this.#jobs.shift();
        if (!job) break;
        if (job.owner !== null) {
          const left = (this.#queuedBy.get(job.owner) ?? 1) - 1;
          if (left > 0) this.#queuedBy.set(job.owner, left);
          else this.#queuedBy.delete(job.owner);
        }
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
