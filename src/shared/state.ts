/**
 * One shared state on one client (README, "Shared state"; docs/ARCHITECTURE.md, "Where each guarantee lives"):
 * the object src/shared/registry.ts creates and routes messages to. It builds the state's parts over one
 * {@link Held} record and sends each call to its part: changes made here (applied at once on the authority,
 * proposals elsewhere), the authority's answers (src/shared/authority.ts, src/shared/snapshots.ts), the
 * replica's (src/shared/follower.ts), the handover (src/shared/handover.ts); and it ends them all on disposal.
 *
 * On the authority (the active GM, or this client in local mode) every change runs through one queue, in
 * arrival order: checked, applied, and sent as patches merged per `patchRate` window. Everywhere else the
 * state is a replica: it applies the patches that continue its exact (epoch, version), takes a snapshot when
 * one does not, never moves to a lower version, and sends its own changes to the authority as proposals.
 */
import { SocketManagerError, ValidationError } from "../contract/errors";
import type { FoundryUser, SharedInfo, SharedOp } from "../contract/types";
import { Authority } from "./authority";
import { Committer } from "./commit";
import { Follower } from "./follower";
import { Handover } from "./handover";
import { Held, type Subscriber } from "./held";
import type { SharedHost } from "./host";
import { type Json, thaw } from "./json";
import type { SharedConfig } from "./options";
import { PatchWindow } from "./patch-window";
import { Proposer } from "./proposer";
import { ChangeQueue } from "./queue";
import { Resync } from "./resync";
import { Saver } from "./saver";
import { Snapshots } from "./snapshots";
import { Waiters } from "./waiters";
import type {
  FetchReply,
  PatchMessage,
  PollReply,
  ProposeReply,
  SnapshotMessage,
  StateRef,
  WantMessage,
} from "./wire";

export type { SharedHost } from "./host";
export { PROPOSE_ATTEMPTS } from "./proposer";
export { MAX_QUEUED, MAX_QUEUED_PER_USER } from "./queue";
export { RESYNC_EVERY_MS } from "./resync";
export { PERSIST_EVERY_MS } from "./saver";
export { CLAIM_EVERY_MS, SNAPSHOT_WINDOW_MS, SNAPSHOTS_PER_WINDOW } from "./snapshots";

export class SharedStateCore {
  readonly ref: StateRef;
  readonly config: SharedConfig;
  readonly #held: Held;
  readonly #queue: ChangeQueue;
  readonly #window: PatchWindow;
  readonly #saver: Saver;
  readonly #waiters: Waiters;
  readonly #resync: Resync;
  readonly #authority: Authority;
  readonly #snapshots: Snapshots;
  readonly #follower: Follower;
  readonly #proposer: Proposer;
  readonly #handover: Handover;

  constructor(ref: StateRef, config: SharedConfig, host: SharedHost) {
    this.ref = ref;
    this.config = config;
    const held = new Held(ref, config, host);
    this.#held = held;
    this.#queue = new ChangeQueue(held);
    this.#window = new PatchWindow(held);
    this.#saver = new Saver(held);
    this.#waiters = new Waiters(held);
    this.#resync = new Resync(held);
    const committer = new Committer(held, this.#window, this.#saver, this.#waiters);
    this.#authority = new Authority(held, this.#queue, committer);
    this.#snapshots = new Snapshots(held, this.#queue, this.#window, committer);
    this.#follower = new Follower(held, this.#resync, this.#waiters, committer);
    this.#proposer = new Proposer(held, this.#queue, this.#authority, this.#waiters, this.#resync);
    this.#handover = new Handover(held, {
      queue: this.#queue,
      window: this.#window,
      saver: this.#saver,
      waiters: this.#waiters,
      resync: this.#resync,
      snapshots: this.#snapshots,
    });
  }

  get value(): unknown {
    return this.#held.value;
  }

  get version(): number {
    return this.#held.version;
  }

  get synced(): boolean {
    return this.#held.synced;
  }

  get disposed(): boolean {
    return this.#held.disposed;
  }

  info(): SharedInfo {
    const held = this.#held;
    return {
      moduleId: this.ref.m,
      key: this.ref.k,
      version: held.version,
      bytes: held.bytes,
      subscribers: held.subscribers.size,
      authority: held.authority,
      synced: held.synced,
      persist: this.config.persist,
      resyncs: held.resyncs,
    };
  }

  subscribe(fn: Subscriber): () => void {
    const held = this.#held;
    if (typeof fn !== "function") throw new ValidationError("subscribe needs a function", held.details());
    if (held.disposed) return () => {};
    const entry: Subscriber = (value, change) => fn(value, change);
    held.subscribers.add(entry);
    return () => void held.subscribers.delete(entry);
  }

  update(fn: (draft: unknown) => void): Promise<number> {
    if (typeof fn !== "function")
      return Promise.reject(new ValidationError("update needs a function", this.#held.details()));
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
    const held = this.#held;
    if (held.disposed) return;
    if (held.authority) {
      this.#window.flush();
      if (this.#saver.pending) this.#saver.saveNow();
    }
    this.#end(held.disposedError());
    held.host.forget(this);
  }

  /** Stops every timer without sending anything (the client is shutting down). */
  shutDown(): void {
    this.#end(new SocketManagerError("Socket Manager was shut down", this.#held.details()));
  }

  /** Marks the state disposed, stops its timers and ends every waiting change with `gone`. */
  #end(gone: Error): void {
    const held = this.#held;
    held.disposed = true;
    this.#window.stop();
    this.#saver.stop();
    this.#resync.stop();
    this.#snapshots.clear();
    this.#queue.rejectAll(gone);
    this.#waiters.end(gone);
    held.subscribers.clear();
  }

  // ---- changes made on this client ----

  #change(next: (current: Json) => unknown): Promise<number> {
    const held = this.#held;
    if (held.disposed) return Promise.reject(held.disposedError());
    return held.host
      .started()
      .then(() => (held.authority ? this.#queue.add(null, this.#ownJob(next)) : this.#proposer.inTurn(next)));
  }

  /** A change of this client's in the authority's queue: if the role moved on meanwhile, it becomes a proposal. */
  #ownJob(next: (current: Json) => unknown): () => number | Promise<number> {
    return () => (this.#held.authority ? this.#authority.applyOwn(next) : this.#proposer.inTurn(next));
  }

  // ---- who is the authority ----

  /** Called whenever the authority may have changed (start, a user joined or left, local mode). */
  setAuthority(isMe: boolean, id: string | null): void {
    this.#handover.setAuthority(isMe, id);
  }

  /** This client's link came back: it may have missed patches. */
  reconnected(): void {
    if (this.#held.authority || this.#held.disposed) return;
    this.#resync.reconnected();
  }

  // ---- messages from other clients ----

  /** A proposal from `sender`, answered once: the new version, or the refusal as a value. */
  propose(ops: SharedOp[], sender: FoundryUser): Promise<ProposeReply> {
    return this.#authority.answer(ops, sender);
  }

  /** `sender` holds (e, v): a snapshot if that is not this authority's value; a higher version is a claim. */
  want(message: WantMessage, sender: FoundryUser): void {
    this.#snapshots.want(message, sender);
  }

  poll(): PollReply {
    return this.#follower.poll();
  }

  fetch(): FetchReply | null {
    return this.#follower.fetch();
  }

  /** A patch from a GM: applied when it continues exactly what this client holds; otherwise a resync. */
  patch(message: PatchMessage): void {
    this.#follower.patch(message);
  }

  /** A snapshot from a GM: taken unless this client holds a higher version (it never goes back). */
  snapshot(message: SnapshotMessage): void {
    this.#follower.snapshot(message);
  }
}
