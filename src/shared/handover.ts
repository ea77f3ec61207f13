/**
 * Who the authority is, and the handover. Becoming it, this client continues from the newest value it may
 * trust (its own, its saved one, a GM's, or a player's that `write` and `schema` would have allowed), in a new
 * epoch numbered above every version reported (a player's only up to MAX_CLAIM), and brings every client to
 * it; losing it, it sends what is pending, saves, and becomes a replica.
 */
import type { FoundryUser, SharedOp, SharedProposal } from "../contract/types";
import { isPermitted } from "../pipeline/permission";
import { runSchema } from "../pipeline/schema";
import { diff } from "./diff";
import { deepFreeze } from "./frozen";
import type { Held } from "./held";
import { frozenJson, type Json, jsonBytes } from "./json";
import type { PatchWindow } from "./patch-window";
import type { ChangeQueue } from "./queue";
import type { Resync } from "./resync";
import type { Saver } from "./saver";
import type { Snapshots } from "./snapshots";
import type { Waiters } from "./waiters";
import { MAX_CLAIM, MAX_VERSION, type PollReply } from "./wire";

export interface HandoverParts {
  queue: ChangeQueue;
  window: PatchWindow;
  saver: Saver;
  waiters: Waiters;
  resync: Resync;
  snapshots: Snapshots;
}

export class Handover {
  readonly #held: Held;
  readonly #parts: HandoverParts;

  constructor(held: Held, parts: HandoverParts) {
    this.#held = held;
    this.#parts = parts;
  }

  /** Called whenever the authority may have changed (start, a user joined or left, local mode). */
  setAuthority(isMe: boolean, id: string | null): void {
    const held = this.#held;
    const { queue, window, saver, waiters, resync } = this.#parts;
    if (held.disposed) return;
    if (isMe && !held.authority) {
      held.authority = true;
      resync.becameAuthority();
      void queue
        .add(null, () => this.#takeOver(), true)
        .catch((e: unknown) =>
          held.host.log.error(`taking over shared "${held.ref.k}" (${held.ref.m}) failed`, e),
        );
      return;
    }
    if (!isMe && held.authority) {
      window.flush();
      if (saver.pending) saver.saveNow();
      held.authority = false;
    }
    if (!isMe) {
      // Proposals waiting for a value try again (this client may have become the authority and stopped).
      waiters.wakeSync();
      if (id !== null && (!held.synced || resync.behind)) resync.ask();
    }
  }

  /**
   * A new authority's first job: find the newest value it may continue from, start a new epoch numbered above
   * every version reported, and bring every client to it.
   */
  async #takeOver(): Promise<void> {
    const held = this.#held;
    if (!held.authority || held.disposed) return;
    const { host, config, ref } = held;
    const me = host.me;
    let base = {
      e: held.synced ? held.epoch : null,
      v: held.version,
      value: held.value,
      bytes: held.bytes,
      from: me,
    };
    const stored = config.persist ? host.loadPersisted(ref) : null;
    if (stored && stored.v > base.v) {
      try {
        const value = frozenJson(stored.d);
        const bytes = jsonBytes(value);
        if (bytes <= config.maxBytes) base = { e: null, v: stored.v, value, bytes, from: me };
      } catch (e) {
        host.log.warn(`the saved value of shared "${ref.k}" (${ref.m}) is unusable`, e);
      }
    }
    const answers = await host.poll(ref).catch(() => new Map<string, PollReply | null>());
    if (!held.authority || held.disposed) return;
    let top = base.v;
    const candidates: { user: FoundryUser; v: number }[] = [];
    for (const [userId, a] of answers) {
      if (!a?.s) continue;
      const user = host.user(userId);
      if (!this.#believable(user, a.v)) continue;
      top = Math.max(top, a.v);
      if (user && a.v > base.v) candidates.push({ user, v: a.v });
    }
    candidates.sort((a, b) => b.v - a.v || Number(b.user.isGM) - Number(a.user.isGM));
    for (const { user } of candidates) {
      if (!user.isGM && typeof config.write === "string" && !isPermitted(config.write, user)) continue;
      const got = await host.fetch(ref, user.id).catch(() => null);
      if (!held.authority || held.disposed) return;
      if (!got || got.v <= base.v || !this.#believable(user, got.v)) continue;
      let value: Json;
      try {
        value = frozenJson(got.d);
      } catch {
        continue;
      }
      const bytes = jsonBytes(value);
      if (bytes > config.maxBytes) continue;
      if (!user.isGM && !(await this.#wouldAllow(user, base.value, value, got.v))) continue;
      if (!held.authority || held.disposed) return;
      // A player's answer names an epoch and version it may not hold that value at: the clients that do hold
      // them would be moved on by a patch without the value. Only a GM's is taken at its word.
      base = { e: user.isGM ? got.e : null, v: got.v, value, bytes, from: user.id };
      top = Math.max(top, got.v);
      break;
    }
    const version = Math.min(MAX_VERSION, top > base.v ? top + 1 : base.v);
    const before = { value: held.value, version: held.version, synced: held.synced };
    const epoch = host.newEpoch();
    held.epoch = epoch;
    held.synced = true;
    held.hold(base.value, base.bytes);
    held.version = version;
    this.#bringEveryone(answers, base, epoch, before, stored?.v);
  }

  /**
   * The value is in, under the new `epoch`: a patch moves the clients that held `base`, a snapshot goes to the
   * others that answered; then waiting proposals, saving, and subscribers.
   */
  #bringEveryone(
    answers: Map<string, PollReply | null>,
    base: { e: string | null; v: number; from: string },
    epoch: string,
    before: { value: Json; version: number; synced: boolean },
    storedVersion: number | undefined,
  ): void {
    const held = this.#held;
    const { host, ref } = held;
    const { snapshots, waiters, saver } = this.#parts;
    const me = host.me;
    const { version } = held;
    const now = host.clock.now();
    const atBase: string[] = [];
    const behind: string[] = [];
    for (const [userId, a] of answers) {
      if (!a || userId === me) continue;
      if (a.s === 1 && a.e === base.e && a.v === base.v && base.e !== null) atBase.push(userId);
      else behind.push(userId);
    }
    if (base.e !== null)
      host.sendPatch({ ...ref, pe: base.e, e: epoch, f: base.v, v: version, by: me, o: [] });
    if (behind.length > 0) host.sendSnapshot(snapshots.message(), behind);
    for (const id of [...atBase, ...behind]) snapshots.noteSent(id, now);
    waiters.settleVersions();
    waiters.wakeSync();
    if (held.config.persist && version > 0 && storedVersion !== version) saver.saveNow();
    // Subscribers hear of a new value or version, and of the first time this client holds the value at all
    // (so a view can stop "waiting", though the value may still be `initial`).
    if (before.value !== held.value || before.version !== held.version || !before.synced) {
      const replaced = before.value !== held.value || !before.synced;
      const patch: SharedOp[] = replaced ? [[[], held.value]] : [];
      held.notify({ version, changedBy: base.from, patch: deepFreeze(patch) });
    }
  }

  /** A GM's version is trusted; anyone else's only up to MAX_CLAIM (one above it is dropped, counted). */
  #believable(user: FoundryUser | undefined, v: number): boolean {
    if (user?.isGM || v <= MAX_CLAIM) return true;
    this.#held.host.counters.drop("shared-stale");
    return false;
  }

  /** Whether a player's value may be taken at a handover: as if that player had proposed it. */
  async #wouldAllow(user: FoundryUser, previous: Json, value: Json, version: number): Promise<boolean> {
    const { write, schema } = this.#held.config;
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
}
