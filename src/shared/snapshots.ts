/**
 * The authority's answers to wants (`$sh.w`): a snapshot to a replica that does not hold its value (after the
 * pending patch, a few per user per window), and for a claim of a higher version, its own value numbered past
 * the claim (one claim per user per window, none above MAX_CLAIM), so that replica moves forward too.
 */
import type { FoundryUser } from "../contract/types";
import type { Committer } from "./commit";
import type { Held } from "./held";
import type { PatchWindow } from "./patch-window";
import type { ChangeQueue } from "./queue";
import { MAX_CLAIM, type SnapshotMessage, type WantMessage } from "./wire";

/** The authority sends one user at most this many snapshots in this long. */
export const SNAPSHOTS_PER_WINDOW = 3;
export const SNAPSHOT_WINDOW_MS = 1000;
/** The authority acts on one user's claim of a higher version at most once in this long. */
export const CLAIM_EVERY_MS = 1000;

/** Snapshots (and handover moves) sent to one user in the current window. */
interface Sent {
  since: number;
  count: number;
}

export class Snapshots {
  readonly #held: Held;
  readonly #queue: ChangeQueue;
  readonly #window: PatchWindow;
  readonly #committer: Committer;
  readonly #sent = new Map<string, Sent>();
  readonly #claimsAt = new Map<string, number>();

  constructor(held: Held, queue: ChangeQueue, window: PatchWindow, committer: Committer) {
    this.#held = held;
    this.#queue = queue;
    this.#window = window;
    this.#committer = committer;
  }

  /** The value held now, whole. */
  message(): SnapshotMessage {
    const held = this.#held;
    return { ...held.ref, e: held.epoch ?? "", v: held.version, by: held.host.me, d: held.value };
  }

  /** Counts a snapshot (or handover move) sent to `userId` at `at` against its window. */
  noteSent(userId: string, at: number): void {
    const sent = this.#sent.get(userId);
    if (sent && at - sent.since < SNAPSHOT_WINDOW_MS) sent.count++;
    else this.#sent.set(userId, { since: at, count: 1 });
  }

  /** Forgets the counts (the state is going away). */
  clear(): void {
    this.#sent.clear();
  }

  /** `sender` holds (e, v): a snapshot if that is not this authority's value; a higher version is a claim. */
  want(message: WantMessage, sender: FoundryUser): void {
    const held = this.#held;
    void this.#queue
      .add({ id: sender.id, bytes: 0 }, () => {
        // A want sent to a client that is not the authority (every client gets every frame): counted, not kept.
        if (!held.authority) return held.host.counters.drop("shared-stale");
        if (message.e === held.epoch && message.v === held.version) return;
        if (message.v <= held.version) return this.#sendTo(sender.id);
        // The sender holds a higher version than this authority: number the value above it (its content is
        // not taken: a handover already took the newest value it could trust), so the sender moves forward.
        const now = held.host.clock.now();
        const last = this.#claimsAt.get(sender.id);
        if ((last !== undefined && now - last < CLAIM_EVERY_MS) || message.v > MAX_CLAIM) {
          held.host.counters.drop("shared-stale");
          return;
        }
        this.#claimsAt.set(sender.id, now);
        this.#committer.commit(held.value, held.bytes, [], held.host.me, message.v + 1);
        this.#window.flush();
        this.#sendTo(sender.id);
      })
      .catch(() => held.host.counters.drop("shared-stale"));
  }

  /**
   * Sends `userId` the value (after the pending patch, so the two arrive in order), at most
   * {@link SNAPSHOTS_PER_WINDOW} times per {@link SNAPSHOT_WINDOW_MS} and within that user's byte budget over all
   * states: beyond that an ask is dropped, and a replica still behind asks again after its back-off.
   */
  #sendTo(userId: string): void {
    const { host } = this.#held;
    const now = host.clock.now();
    let sent = this.#sent.get(userId);
    if (!sent || now - sent.since >= SNAPSHOT_WINDOW_MS) {
      sent = { since: now, count: 0 };
      this.#sent.set(userId, sent);
    }
    if (sent.count >= SNAPSHOTS_PER_WINDOW || !host.snapshotBudget(userId, this.#held.bytes))
      return host.counters.drop("shared-stale");
    sent.count++;
    this.#window.flush();
    host.sendSnapshot(this.message(), [userId]);
  }
}
