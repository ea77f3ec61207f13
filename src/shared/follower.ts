/**
 * On a replica: the authority's patches, applied only when they continue the exact (epoch, version) held, and
 * its snapshots, taken only at a higher version (or the same under another epoch), so the value never goes
 * back; anything else asks for the value again. Also what it holds, told to a new authority polling.
 */
import type { Committer } from "./commit";
import { jsonEqual } from "./frozen";
import type { Held } from "./held";
import { frozenJson, type Json } from "./json";
import { applyPatch } from "./patch";
import type { Resync } from "./resync";
import type { Waiters } from "./waiters";
import type { FetchReply, PatchMessage, PollReply, SnapshotMessage } from "./wire";

export class Follower {
  readonly #held: Held;
  readonly #resync: Resync;
  readonly #waiters: Waiters;
  readonly #committer: Committer;

  constructor(held: Held, resync: Resync, waiters: Waiters, committer: Committer) {
    this.#held = held;
    this.#resync = resync;
    this.#waiters = waiters;
    this.#committer = committer;
  }

  /** `$sh.v`: the (epoch, version) held, `s` 1 when it is the authority's value. */
  poll(): PollReply {
    const held = this.#held;
    return held.synced ? { e: held.epoch, v: held.version, s: 1 } : { e: null, v: 0, s: 0 };
  }

  /** `$sh.g`: the authority's value as held here, or null without one. */
  fetch(): FetchReply | null {
    const held = this.#held;
    return held.synced && held.epoch !== null ? { e: held.epoch, v: held.version, d: held.value } : null;
  }

  /** A patch from a GM: applied when it continues exactly what this client holds; otherwise a resync. */
  patch(message: PatchMessage): void {
    const held = this.#held;
    const { counters } = held.host;
    if (held.authority) return counters.drop("shared-stale");
    if (!held.synced) {
      this.#resync.ask();
      return counters.drop("shared-stale");
    }
    const fits = (message.pe ?? message.e) === held.epoch && message.f === held.version;
    if (!fits) {
      // Old news from this epoch (a patch the last snapshot already held) is simply ignored.
      if (message.e === held.epoch && message.v <= held.version) return;
      this.#resync.ask();
      return counters.drop("shared-stale");
    }
    let applied: { value: unknown; bytes: number | null };
    try {
      // A size nobody asked for yet (the value came in a snapshot) is not measured for a patch either.
      applied = applyPatch(held.value, message.o, held.knownBytes);
    } catch {
      this.#resync.ask();
      return counters.drop("shared-stale");
    }
    held.epoch = message.e;
    this.#resync.caughtUp();
    if (message.v === held.version && message.o.length === 0) return;
    this.#committer.commit(applied.value as Json, applied.bytes, message.o, message.by, message.v);
  }

  /** A snapshot from a GM: taken unless this client holds a higher version (it never goes back). */
  snapshot(message: SnapshotMessage): void {
    const held = this.#held;
    const { counters } = held.host;
    if (held.authority) return counters.drop("shared-stale");
    const newer =
      !held.synced || message.v > held.version || (message.v === held.version && message.e !== held.epoch);
    if (!newer) {
      if (message.e === held.epoch && message.v === held.version) return;
      // Lower than what this client holds: tell the authority, which numbers its value above ours.
      counters.drop("shared-stale");
      return this.#resync.ask();
    }
    let value: Json;
    try {
      value = frozenJson(message.d, "snapshot");
    } catch {
      return counters.drop("shared-stale");
    }
    if (message.v === held.version && jsonEqual(value, held.value)) {
      // The same value under a new epoch (a handover, or `initial` at version 0): nothing changes here, but the
      // first time this client holds the GM's value its subscribers hear of it, so a view can stop "waiting".
      const first = !held.synced;
      held.synced = true;
      held.epoch = message.e;
      this.#resync.caughtUp();
      this.#waiters.wakeSync();
      if (first)
        this.#committer.commit(held.value, held.knownBytes, [[[], held.value]], message.by, message.v);
      return;
    }
    if (held.synced) held.resyncs++;
    held.synced = true;
    held.epoch = message.e;
    this.#resync.caughtUp();
    this.#waiters.wakeSync();
    // Its size is measured when first asked for, not while this client waits to hold the value.
    this.#committer.commit(value, null, [[[], value]], message.by, message.v);
  }
}
