/**
 * One shared state on one client (README, "Shared state"; docs/ARCHITECTURE.md, "Where each guarantee lives").
 *
 * On the authority (the active GM, or this client in local mode) every change (its own updates, proposals,
 * handover work) runs through one queue, in arrival order: checked (`write`, `schema`, size), applied, and
 * sent as patches (merged per `patchRate` window). Everywhere else the state is a replica: it applies the
 * authority's patches that continue its exact (epoch, version), takes a snapshot when one does not, never
 * moves to a lower version, and sends its own changes to the authority as proposals.
 *
 * A handover (this client becomes the authority) starts a new epoch: the new authority asks every client
 * what it holds, continues from the newest value it may trust (its own, its saved one, a GM's, or a player's
 * the state's `write` and `schema` would have let that player make), and numbers its value above every
 * version anyone reported, so no client's version goes back.
 */
import type { Clock, TimerHandle } from "../clock";
import {
  NoGMError,
  PayloadTooLargeError,
  PermissionDeniedError,
  SocketManagerError,
  TimeoutError,
  ValidationError,
} from "../contract/errors";
import type { FoundryUser, SharedChange, SharedInfo, SharedOp, SharedProposal } from "../contract/types";
import type { Logger } from "../log";
import type { Counters } from "../metrics/counters";
import { isPermitted } from "../pipeline/permission";
import { runSchema } from "../pipeline/schema";
import { deepFreeze, type Json, jsonBytes, jsonEqual, thaw, toJson } from "./json";
import type { SharedConfig } from "./options";
import { applyPatch, diff } from "./patch";
import {
  type FetchReply,
  MAX_VERSION,
  type PatchMessage,
  type PollReply,
  type ProposeMessage,
  type ProposeReply,
  type SnapshotMessage,
  type StateRef,
  type WantMessage,
} from "./wire";

/** The authority saves a persisted value at most this often. */
export const PERSIST_EVERY_MS = 1000;
/** A replica that is behind asks the authority again after this long, doubling up to 16 times as long. */
export const RESYNC_EVERY_MS = 1000;
/** The authority sends one user at most this many snapshots in this long. */
export const SNAPSHOTS_PER_WINDOW = 3;
export const SNAPSHOT_WINDOW_MS = 1000;
/** The authority acts on one user's claim of a higher version at most once in this long. */
export const CLAIM_EVERY_MS = 1000;
/** Changes waiting on the authority, from all other users together and from one. */
export const MAX_QUEUED = 1000;
export const MAX_QUEUED_PER_USER = 100;
/** A proposal the GM could not take (it was handing over) is sent this many times in all. */
export const PROPOSE_ATTEMPTS = 3;
const PROPOSE_RETRY_MS = 250;

/** What a shared state needs from the client it lives on (src/shared/registry.ts). */
export interface SharedHost {
  readonly me: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly counters: Counters;
  requestTimeout(): number;
  /** The authority's user id as this client sees it; null when there is none (no GM, or not started). */
  authority(): string | null;
  user(id: string): FoundryUser | undefined;
  /** Resolves once the client started (users are known and the transport chosen). */
  started(): Promise<void>;
  newEpoch(): string;
  sendPatch(message: PatchMessage): void;
  sendSnapshot(message: SnapshotMessage, to: string[]): void;
  sendWant(message: WantMessage, to: string): void;
  propose(message: ProposeMessage): Promise<ProposeReply>;
  poll(ref: StateRef): Promise<Map<string, PollReply | null>>;
  fetch(ref: StateRef, userId: string): Promise<FetchReply | null>;
  loadPersisted(ref: StateRef): { v: number; d: unknown } | null;
  savePersisted(ref: StateRef, version: number, value: unknown): void;
  forget(state: SharedStateCore): void;
}

interface Job {
  owner: string | null;
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Window {
  base: Json;
  from: number;
  by: string;
  timer: TimerHandle;
}

/** Snapshots (and handover moves) sent to one user in the current window. */
interface Sent {
  since: number;
  count: number;
}

type Subscriber = (value: unknown, change: SharedChange) => void;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

export class SharedStateCore {
  readonly ref: StateRef;
  readonly config: SharedConfig;
  readonly #host: SharedHost;

  #value: Json;
  #bytes: number;
  #version = 0;
  #epoch: string | null = null;
  #synced = false;
  #authority = false;
  #disposed = false;
  readonly #subscribers = new Set<Subscriber>();

  // Authority: the change queue, the patch window, saving.
  readonly #queue: Job[] = [];
  readonly #queuedBy = new Map<string, number>();
  #draining = false;
  #waiting = false;
  #window: Window | null = null;
  #persistTimer: TimerHandle | null = null;
  readonly #sent = new Map<string, Sent>();
  readonly #claimsAt = new Map<string, number>();

  // Replica: asking for the authority's value; this client's own proposals, one at a time.
  #behind = false;
  #wantAt = Number.NEGATIVE_INFINITY;
  #wants = 0;
  #wantTimer: TimerHandle | null = null;
  #proposals: Promise<unknown> = Promise.resolve();
  #syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #versionWaiters: { v: number; resolve: () => void }[] = [];
  #resyncs = 0;

  constructor(ref: StateRef, config: SharedConfig, host: SharedHost) {
    this.ref = ref;
    this.config = config;
    this.#host = host;
    this.#value = config.initial;
    this.#bytes = config.initialBytes;
  }

  get value(): unknown {
    return this.#value;
  }

  get version(): number {
    return this.#version;
  }

  get synced(): boolean {
    return this.#synced;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  info(): SharedInfo {
    return {
      moduleId: this.ref.m,
      key: this.ref.k,
      version: this.#version,
      bytes: this.#bytes,
      subscribers: this.#subscribers.size,
      authority: this.#authority,
      synced: this.#synced,
      persist: this.config.persist,
      resyncs: this.#resyncs,
    };
  }

  #details(): { moduleId: string; event: string } {
    return { moduleId: this.ref.m, event: this.ref.k };
  }

  subscribe(fn: Subscriber): () => void {
    if (typeof fn !== "function") throw new ValidationError("subscribe needs a function", this.#details());
    if (this.#disposed) return () => {};
    const entry: Subscriber = (value, change) => fn(value, change);
    this.#subscribers.add(entry);
    return () => void this.#subscribers.delete(entry);
  }

  update(fn: (draft: unknown) => void): Promise<number> {
    if (typeof fn !== "function")
      return Promise.reject(new ValidationError("update needs a function", this.#details()));
    return this.#change((current) => {
      const draft = thaw(current);
      fn(draft);
      return draft;
    });
  }

  set(partial: unknown): Promise<number> {
    return this.#change((current) =>
      current !== null &&
      typeof current === "object" &&
      !Array.isArray(current) &&
      partial !== null &&
      typeof partial === "object" &&
      !Array.isArray(partial)
        ? { ...current, ...(partial as object) }
        : partial,
    );
  }

  dispose(): void {
    if (this.#disposed) return;
    if (this.#authority) {
      this.#flush();
      if (this.#persistTimer !== null) this.#saveNow();
    }
    this.#disposed = true;
    this.#stopTimers();
    const gone = new SocketManagerError("this shared state was disposed", this.#details());
    for (const job of this.#queue.splice(0)) job.reject(gone);
    for (const w of this.#syncWaiters.splice(0)) w.reject(gone);
    for (const w of this.#versionWaiters.splice(0)) w.resolve();
    this.#subscribers.clear();
    this.#host.forget(this);
  }

  /** Stops every timer without sending anything (the client is shutting down). */
  shutDown(): void {
    this.#disposed = true;
    this.#stopTimers();
    const gone = new SocketManagerError("Socket Manager was shut down", this.#details());
    for (const job of this.#queue.splice(0)) job.reject(gone);
    for (const w of this.#syncWaiters.splice(0)) w.reject(gone);
    for (const w of this.#versionWaiters.splice(0)) w.resolve();
    this.#subscribers.clear();
  }

  #stopTimers(): void {
    const { clock } = this.#host;
    if (this.#window) clock.clearTimeout(this.#window.timer);
    this.#window = null;
    if (this.#persistTimer !== null) clock.clearTimeout(this.#persistTimer);
    this.#persistTimer = null;
    if (this.#wantTimer !== null) clock.clearTimeout(this.#wantTimer);
    this.#wantTimer = null;
    this.#sent.clear();
  }

  // ---- changes made on this client ----

  #change(next: (current: Json) => unknown): Promise<number> {
    if (this.#disposed)
      return Promise.reject(new SocketManagerError("this shared state was disposed", this.#details()));
    return this.#host
      .started()
      .then(() => (this.#authority ? this.#enqueue(null, this.#ownJob(next)) : this.#proposeInTurn(next)));
  }

  /** A change of this client's in the authority's queue: if the role moved on meanwhile, it becomes a proposal. */
  #ownJob(next: (current: Json) => unknown): () => number | Promise<number> {
    return () => (this.#authority ? this.#applyOwn(next) : this.#proposeInTurn(next));
  }

  /** This client's proposals go one at a time, each computed on the value the one before produced. */
  #proposeInTurn(next: (current: Json) => unknown): Promise<number> {
    const run = this.#proposals.then(() => this.#propose(next));
    this.#proposals = run.catch(() => {});
    return run;
  }

  /** On the authority: this client's own change. */
  #applyOwn(next: (current: Json) => unknown): number | Promise<number> {
    const value = toJson(next(this.#value));
    return this.#tryCommit(diff(this.#value, value, "index"), null);
  }

  /** On a replica: the change as a proposal to the authority, answered once (or retried while it hands over). */
  async #propose(next: (current: Json) => unknown): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      if (this.#disposed) throw new SocketManagerError("this shared state was disposed", this.#details());
      if (this.#authority)
        return this.#enqueue(null, () => {
          if (!this.#authority) throw new NoGMError("the authority moved on; try again", this.#details());
          return this.#applyOwn(next);
        });
      if (this.#host.authority() === null)
        throw new NoGMError("no GM is connected to apply the change", this.#details());
      await this.#untilSynced();
      if (this.#authority) continue;
      const value = toJson(next(this.#value));
      const ops = diff(this.#value, value, "whole");
      if (ops.length === 0) return this.#version;
      this.#checkSizes(ops, applyPatch(this.#value, ops, this.#bytes).bytes);
      let reply: ProposeReply;
      try {
        reply = await this.#host.propose({ ...this.ref, o: ops });
      } catch (e) {
        throw this.#retyped(e);
      }
      if ("v" in reply) {
        await this.#untilVersion(reply.v);
        return reply.v;
      }
      if (reply.r === 1 && attempt < PROPOSE_ATTEMPTS) {
        await new Promise<void>((resolve) => this.#host.clock.setTimeout(resolve, PROPOSE_RETRY_MS));
        continue;
      }
      throw this.#refusal(reply);
    }
  }

  /** An error from the request machinery, under this state's module and key. */
  #retyped(e: unknown): Error {
    if (!(e instanceof SocketManagerError)) return e instanceof Error ? e : new SocketManagerError(String(e));
    const message = e.message.replace(/^Socket Manager \| [^:]*: /, "");
    const details = { ...this.#details(), cause: e, ...(e.userId ? { userId: e.userId } : {}) };
    if (e instanceof TimeoutError) return new TimeoutError(message, { ...details, missing: e.missing });
    if (e instanceof NoGMError) return new NoGMError(message, details);
    if (e instanceof PayloadTooLargeError) return new PayloadTooLargeError(message, details);
    return e;
  }

  #refusal(reply: { x: string; m: string; i?: { message: string; path?: PropertyKey[] }[] }): Error {
    const details = this.#details();
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

  #checkSizes(ops: readonly SharedOp[], bytes: number): void {
    const { maxBytes, maxPatchBytes } = this.config;
    const patchBytes = jsonBytes(ops);
    if (patchBytes > maxPatchBytes)
      throw new PayloadTooLargeError(
        `the change is ${patchBytes} bytes; maxPatchBytes is ${maxPatchBytes}`,
        this.#details(),
      );
    if (bytes > maxBytes)
      throw new PayloadTooLargeError(
        `the value would be ${bytes} bytes; maxBytes is ${maxBytes}`,
        this.#details(),
      );
  }

  #untilSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    this.#behind = true;
    this.#pumpWant();
    return new Promise<void>((resolve, reject) => {
      const timeout = this.#host.requestTimeout();
      const waiter = {
        resolve: () => {
          this.#host.clock.clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          this.#host.clock.clearTimeout(timer);
          reject(e);
        },
      };
      const timer = this.#host.clock.setTimeout(() => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== waiter);
        reject(new TimeoutError(`the GM's value did not arrive within ${timeout} ms`, this.#details()));
      }, timeout);
      this.#syncWaiters.push(waiter);
    });
  }

  #wakeSyncWaiters(): void {
    for (const w of this.#syncWaiters.splice(0)) w.resolve();
  }

  /** Resolves once this client holds version `v` (or after the request timeout: the GM did apply it). */
  #untilVersion(v: number): Promise<void> {
    if (this.#version >= v || this.#disposed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = { v, resolve: () => {} };
      const timer = this.#host.clock.setTimeout(() => {
        this.#versionWaiters = this.#versionWaiters.filter((w) => w !== waiter);
        resolve();
      }, this.#host.requestTimeout());
      waiter.resolve = () => {
        this.#host.clock.clearTimeout(timer);
        resolve();
      };
      this.#versionWaiters.push(waiter);
    });
  }

  #settleVersionWaiters(): void {
    if (this.#versionWaiters.length === 0) return;
    const done = this.#versionWaiters.filter((w) => w.v <= this.#version);
    this.#versionWaiters = this.#versionWaiters.filter((w) => w.v > this.#version);
    for (const w of done) w.resolve();
  }

  // ---- the authority's queue ----

  /** `owner` null: this client's own change, never refused for the queue's size. */
  #enqueue<R>(owner: string | null, run: () => R | Promise<R>, front = false): Promise<R> {
    if (this.#disposed)
      return Promise.reject(new SocketManagerError("this shared state was disposed", this.#details()));
    if (owner !== null) {
      const mine = this.#queuedBy.get(owner) ?? 0;
      if (this.#queue.length >= MAX_QUEUED || mine >= MAX_QUEUED_PER_USER)
        return Promise.reject(
          new SocketManagerError("too many changes are waiting for this shared state", this.#details()),
        );
      this.#queuedBy.set(owner, mine + 1);
    }
    return new Promise<R>((resolve, reject) => {
      const job: Job = { owner, run, resolve: resolve as (v: unknown) => void, reject };
      if (front) this.#queue.unshift(job);
      else this.#queue.push(job);
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#waiting) {
        const job = this.#queue.shift();
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

  /**
   * Checks and applies a change on the authority: `sender` null for its own. Resolves with the new version
   * (the current one when the change changes nothing); throws the typed refusal, changing nothing.
   */
  #tryCommit(ops: SharedOp[], sender: FoundryUser | null): number | Promise<number> {
    if (ops.length === 0) return this.#version;
    const { write, schema } = this.config;
    if (sender && typeof write === "string" && !isPermitted(write, sender)) {
      this.#host.counters.drop("permission");
      throw new PermissionDeniedError(
        `${sender.name} may not change this state (write: "${write}")`,
        this.#details(),
      );
    }
    const { value, bytes } = applyPatch(this.#value, ops, this.#bytes);
    this.#checkSizes(ops, bytes);
    // A proposal the value already holds (sent again after a handover) changes nothing.
    if (sender && diff(this.#value, value, "whole").length === 0) return this.#version;
    if (sender && typeof write === "function") {
      const change: SharedProposal<unknown> = {
        version: this.#version + 1,
        changedBy: sender.id,
        patch: ops,
        value,
        previous: this.#value,
      };
      let allowed = false;
      try {
        allowed = write(sender, change) === true;
      } catch (e) {
        this.#host.log.error(`the write check of shared "${this.ref.k}" (${this.ref.m}) threw`, e);
      }
      if (!allowed) {
        this.#host.counters.drop("permission");
        throw new PermissionDeniedError(`${sender.name} may not make this change`, this.#details());
      }
    }
    const by = sender?.id ?? this.#host.me;
    if (!schema) return this.#commit(value as Json, bytes, ops, by);
    const checked = runSchema(schema, value);
    const finish = (outcome: Awaited<typeof checked>): number => {
      if (!outcome.ok) {
        this.#host.counters.drop("schema");
        throw new ValidationError(
          `the new value fails the schema: ${outcome.issues.map((i) => i.message).join("; ")}`,
          {
            ...this.#details(),
            issues: outcome.issues,
          },
        );
      }
      if (!this.#authority) throw new NoGMError("this client stopped being the authority", this.#details());
      return this.#commit(value as Json, bytes, ops, by);
    };
    return "then" in checked ? checked.then(finish) : finish(checked);
  }

  /** The new value is in: on the authority, it goes out as a patch; subscribers hear of it. */
  #commit(
    value: Json,
    bytes: number,
    ops: readonly SharedOp[],
    by: string,
    version = this.#version + 1,
  ): number {
    // Another author's change closes the window first: each patch names the one author of its changes.
    if (this.#authority && this.#window && this.#window.by !== by) this.#flush();
    const previous = this.#value;
    const from = this.#version;
    this.#value = value;
    this.#bytes = bytes;
    this.#version = version;
    if (this.#authority) {
      this.#queuePatch(previous, from, by);
      this.#schedulePersist();
    }
    this.#settleVersionWaiters();
    this.#notify({ version, changedBy: by, patch: deepFreeze(ops.slice()) });
    return version;
  }

  #notify(change: SharedChange): void {
    for (const fn of [...this.#subscribers]) {
      try {
        fn(this.#value, change);
      } catch (e) {
        this.#host.counters.handlerErrors++;
        this.#host.log.error(`a subscriber of shared "${this.ref.k}" (${this.ref.m}) threw`, e);
      }
    }
  }

  #queuePatch(previous: Json, from: number, by: string): void {
    if (!this.#window) this.#window = { base: previous, from, by, timer: null };
    if (this.config.patchRate === 0) return this.#flush();
    this.#window.timer ??= this.#host.clock.setTimeout(() => this.#flush(), this.config.patchRate);
  }

  /** Sends the changes of the current window as one patch. */
  #flush(): void {
    const w = this.#window;
    if (!w) return;
    this.#window = null;
    if (w.timer !== null) this.#host.clock.clearTimeout(w.timer);
    if (!this.#authority || this.#epoch === null) return;
    this.#host.sendPatch({
      ...this.ref,
      e: this.#epoch,
      f: w.from,
      v: this.#version,
      by: w.by,
      o: diff(w.base, this.#value, "index"),
    });
  }

  #schedulePersist(): void {
    if (!this.config.persist || this.#persistTimer !== null) return;
    this.#persistTimer = this.#host.clock.setTimeout(() => this.#saveNow(), PERSIST_EVERY_MS);
  }

  #saveNow(): void {
    if (this.#persistTimer !== null) this.#host.clock.clearTimeout(this.#persistTimer);
    this.#persistTimer = null;
    if (this.config.persist && this.#authority)
      this.#host.savePersisted(this.ref, this.#version, this.#value);
  }

  // ---- who is the authority ----

  /** Called whenever the authority may have changed (start, a user joined or left, local mode). */
  setAuthority(isMe: boolean, id: string | null): void {
    if (this.#disposed) return;
    if (isMe && !this.#authority) {
      this.#authority = true;
      this.#behind = false;
      if (this.#wantTimer !== null) this.#host.clock.clearTimeout(this.#wantTimer);
      this.#wantTimer = null;
      void this.#enqueue(null, () => this.#takeOver(), true).catch((e: unknown) =>
        this.#host.log.error(`taking over shared "${this.ref.k}" (${this.ref.m}) failed`, e),
      );
      return;
    }
    if (!isMe && this.#authority) {
      this.#flush();
      if (this.#persistTimer !== null) this.#saveNow();
      this.#authority = false;
    }
    if (!isMe) {
      // Proposals waiting for a value try again (this client may have become the authority and stopped).
      this.#wakeSyncWaiters();
      if (id !== null && (!this.#synced || this.#behind)) {
        this.#behind = true;
        this.#pumpWant();
      }
    }
  }

  /** This client's link came back: it may have missed patches. */
  reconnected(): void {
    if (this.#authority || this.#disposed) return;
    this.#behind = true;
    this.#wantAt = Number.NEGATIVE_INFINITY;
    if (this.#wantTimer !== null) this.#host.clock.clearTimeout(this.#wantTimer);
    this.#wantTimer = null;
    this.#pumpWant();
  }

  /**
   * A new authority's first job: find the newest value it may continue from, start a new epoch numbered above
   * every version reported, and bring every client to it.
   */
  async #takeOver(): Promise<void> {
    if (!this.#authority || this.#disposed) return;
    const host = this.#host;
    const me = host.me;
    let base = {
      e: this.#synced ? this.#epoch : null,
      v: this.#version,
      value: this.#value,
      bytes: this.#bytes,
      from: me,
    };
    const stored = this.config.persist ? host.loadPersisted(this.ref) : null;
    if (stored && stored.v > base.v) {
      try {
        const value = deepFreeze(toJson(stored.d));
        const bytes = jsonBytes(value);
        if (bytes <= this.config.maxBytes) base = { e: null, v: stored.v, value, bytes, from: me };
      } catch (e) {
        host.log.warn(`the saved value of shared "${this.ref.k}" (${this.ref.m}) is unusable`, e);
      }
    }
    const answers = await host.poll(this.ref).catch(() => new Map<string, PollReply | null>());
    if (!this.#authority || this.#disposed) return;
    let top = base.v;
    const candidates: { user: FoundryUser; v: number }[] = [];
    for (const [userId, a] of answers) {
      if (!a?.s) continue;
      top = Math.max(top, a.v);
      const user = host.user(userId);
      if (user && a.v > base.v) candidates.push({ user, v: a.v });
    }
    candidates.sort((a, b) => b.v - a.v || Number(b.user.isGM) - Number(a.user.isGM));
    for (const { user } of candidates) {
      if (!user.isGM && typeof this.config.write === "string" && !isPermitted(this.config.write, user))
        continue;
      const got = await host.fetch(this.ref, user.id).catch(() => null);
      if (!this.#authority || this.#disposed) return;
      if (!got || got.v <= base.v) continue;
      let value: Json;
      try {
        value = deepFreeze(toJson(got.d));
      } catch {
        continue;
      }
      const bytes = jsonBytes(value);
      if (bytes > this.config.maxBytes) continue;
      if (!user.isGM && !(await this.#wouldAllow(user, base.value, value, got.v))) continue;
      if (!this.#authority || this.#disposed) return;
      base = { e: got.e, v: got.v, value, bytes, from: user.id };
      top = Math.max(top, got.v);
      break;
    }
    const version = Math.min(MAX_VERSION, top > base.v ? top + 1 : base.v);
    const before = { value: this.#value, version: this.#version };
    this.#epoch = host.newEpoch();
    this.#synced = true;
    this.#value = base.value;
    this.#bytes = base.bytes;
    this.#version = version;
    const now = host.clock.now();
    const atBase: string[] = [];
    const behind: string[] = [];
    for (const [userId, a] of answers) {
      if (!a || userId === me) continue;
      if (a.s === 1 && a.e === base.e && a.v === base.v && base.e !== null) atBase.push(userId);
      else behind.push(userId);
    }
    if (base.e !== null) {
      host.sendPatch({ ...this.ref, pe: base.e, e: this.#epoch, f: base.v, v: version, by: me, o: [] });
    }
    if (behind.length > 0) host.sendSnapshot(this.#snapshot(), behind);
    for (const id of [...atBase, ...behind]) this.#noteSent(id, now);
    this.#settleVersionWaiters();
    this.#wakeSyncWaiters();
    if (this.config.persist && version > 0 && stored?.v !== version) this.#saveNow();
    if (before.value !== this.#value || before.version !== this.#version) {
      const patch: SharedOp[] = before.value !== this.#value ? [[[], this.#value]] : [];
      this.#notify({ version, changedBy: base.from, patch: deepFreeze(patch) });
    }
  }

  /** Whether a player's value may be taken at a handover: as if that player had proposed it. */
  async #wouldAllow(user: FoundryUser, previous: Json, value: Json, version: number): Promise<boolean> {
    const { write, schema } = this.config;
    if (typeof write === "function") {
      const change: SharedProposal<unknown> = {
        version,
        changedBy: user.id,
        patch: diff(previous, value, "whole"),
        value,
        previous,
      };
      try {
        if (write(user, change) !== true) return false;
      } catch {
        return false;
      }
    } else if (!isPermitted(write, user)) return false;
    if (!schema) return true;
    return (await runSchema(schema, value)).ok;
  }

  #snapshot(): SnapshotMessage {
    return { ...this.ref, e: this.#epoch ?? "", v: this.#version, by: this.#host.me, d: this.#value };
  }

  #noteSent(userId: string, at: number): void {
    const sent = this.#sent.get(userId);
    if (sent && at - sent.since < SNAPSHOT_WINDOW_MS) sent.count++;
    else this.#sent.set(userId, { since: at, count: 1 });
  }

  /**
   * Sends `userId` the value (after the pending patch, so the two arrive in order), at most
   * {@link SNAPSHOTS_PER_WINDOW} times per {@link SNAPSHOT_WINDOW_MS}: beyond that an ask is dropped, and a
   * replica still behind asks again after its back-off.
   */
  #sendSnapshotTo(userId: string): void {
    const now = this.#host.clock.now();
    let sent = this.#sent.get(userId);
    if (!sent || now - sent.since >= SNAPSHOT_WINDOW_MS) {
      sent = { since: now, count: 0 };
      this.#sent.set(userId, sent);
    }
    if (sent.count >= SNAPSHOTS_PER_WINDOW) return this.#host.counters.drop("shared-stale");
    sent.count++;
    this.#flush();
    this.#host.sendSnapshot(this.#snapshot(), [userId]);
  }

  // ---- messages from other clients ----

  /** A proposal from `sender`, answered once: the new version, or the refusal as a value. */
  propose(ops: SharedOp[], sender: FoundryUser): Promise<ProposeReply> {
    return this.#enqueue(sender.id, () => {
      if (!this.#authority) throw new NoGMError("this client is not the authority", this.#details());
      return this.#tryCommit(ops, sender);
    }).then(
      (v): ProposeReply => ({ v }),
      (e: unknown): ProposeReply => {
        const error =
          e instanceof SocketManagerError ? e : new SocketManagerError(String(e), this.#details());
        const reply: ProposeReply = {
          x: error.code,
          m: error.message.replace(/^Socket Manager \| [^:]*: /, ""),
        };
        if (error instanceof ValidationError && error.issues.length > 0)
          reply.i = error.issues.map((i) => ({
            message: i.message,
            ...(i.path ? { path: [...i.path] } : {}),
          }));
        if (error instanceof NoGMError) reply.r = 1;
        return reply;
      },
    );
  }

  /** `sender` holds (e, v): a snapshot if that is not this authority's value; a higher version is a claim. */
  want(message: WantMessage, sender: FoundryUser): void {
    void this.#enqueue(sender.id, () => {
      if (!this.#authority) return;
      if (message.e === this.#epoch && message.v === this.#version) return;
      if (message.v <= this.#version) return this.#sendSnapshotTo(sender.id);
      // The sender holds a higher version than this authority: number the value above it (its content is
      // not taken: a handover already took the newest value it could trust), so the sender moves forward.
      const now = this.#host.clock.now();
      const last = this.#claimsAt.get(sender.id);
      if ((last !== undefined && now - last < CLAIM_EVERY_MS) || message.v >= MAX_VERSION) {
        this.#host.counters.drop("shared-stale");
        return;
      }
      this.#claimsAt.set(sender.id, now);
      this.#commit(this.#value, this.#bytes, [], this.#host.me, message.v + 1);
      this.#flush();
      this.#sendSnapshotTo(sender.id);
    }).catch(() => this.#host.counters.drop("shared-stale"));
  }

  poll(): PollReply {
    return this.#synced ? { e: this.#epoch, v: this.#version, s: 1 } : { e: null, v: 0, s: 0 };
  }

  fetch(): FetchReply | null {
    return this.#synced && this.#epoch !== null ? { e: this.#epoch, v: this.#version, d: this.#value } : null;
  }

  /** A patch from a GM: applied when it continues exactly what this client holds; otherwise a resync. */
  patch(message: PatchMessage): void {
    if (this.#authority) return this.#host.counters.drop("shared-stale");
    if (!this.#synced) {
      this.#askForValue();
      return this.#host.counters.drop("shared-stale");
    }
    const fits = (message.pe ?? message.e) === this.#epoch && message.f === this.#version;
    if (!fits) {
      // Old news from this epoch (a patch the last snapshot already held) is simply ignored.
      if (message.e === this.#epoch && message.v <= this.#version) return;
      this.#askForValue();
      return this.#host.counters.drop("shared-stale");
    }
    let applied: { value: unknown; bytes: number };
    try {
      applied = applyPatch(this.#value, message.o, this.#bytes);
    } catch {
      this.#askForValue();
      return this.#host.counters.drop("shared-stale");
    }
    this.#epoch = message.e;
    this.#caughtUp();
    if (message.v === this.#version && message.o.length === 0) return;
    this.#commit(applied.value as Json, applied.bytes, message.o, message.by, message.v);
  }

  /** A snapshot from a GM: taken unless this client holds a higher version (it never goes back). */
  snapshot(message: SnapshotMessage): void {
    if (this.#authority) return this.#host.counters.drop("shared-stale");
    const newer =
      !this.#synced ||
      message.v > this.#version ||
      (message.v === this.#version && message.e !== this.#epoch);
    if (!newer) {
      if (message.e === this.#epoch && message.v === this.#version) return;
      // Lower than what this client holds: tell the authority, which numbers its value above ours.
      this.#host.counters.drop("shared-stale");
      return this.#askForValue();
    }
    let value: Json;
    try {
      value = deepFreeze(toJson(message.d));
    } catch {
      return this.#host.counters.drop("shared-stale");
    }
    if (message.v === this.#version && jsonEqual(value, this.#value)) {
      // The same value under a new epoch (a handover, or `initial` at version 0): nothing changes here.
      this.#synced = true;
      this.#epoch = message.e;
      this.#caughtUp();
      return this.#wakeSyncWaiters();
    }
    if (this.#synced) this.#resyncs++;
    this.#synced = true;
    this.#epoch = message.e;
    this.#caughtUp();
    this.#wakeSyncWaiters();
    this.#commit(value, jsonBytes(value), [[[], value]], message.by, message.v);
  }

  // ---- a replica asking for the authority's value ----

  #askForValue(): void {
    this.#behind = true;
    this.#pumpWant();
  }

  #caughtUp(): void {
    this.#behind = false;
    this.#wants = 0;
    if (this.#wantTimer !== null) this.#host.clock.clearTimeout(this.#wantTimer);
    this.#wantTimer = null;
  }

  /** Sends a want while behind: at once, then after 1, 2, 4... up to 16 s while nothing comes. */
  #pumpWant(): void {
    if (!this.#behind || this.#authority || this.#disposed || this.#wantTimer !== null) return;
    const { clock } = this.#host;
    const gap = RESYNC_EVERY_MS * 2 ** Math.min(Math.max(0, this.#wants - 1), 4);
    const wait = this.#wantAt + gap - clock.now();
    const again = (ms: number) => {
      this.#wantTimer = clock.setTimeout(() => {
        this.#wantTimer = null;
        this.#pumpWant();
      }, ms);
    };
    if (wait > 0) return again(wait);
    const to = this.#host.authority();
    // Without an authority there is nobody to ask; a new one asks every client at its handover.
    if (to === null || to === this.#host.me) return;
    const want: WantMessage = this.#synced
      ? { ...this.ref, e: this.#epoch, v: this.#version }
      : { ...this.ref, e: null, v: 0 };
    this.#host.sendWant(want, to);
    this.#wantAt = clock.now();
    this.#wants++;
    again(RESYNC_EVERY_MS * 2 ** Math.min(this.#wants - 1, 4));
  }
}
