/**
 * A new value goes in: held with its size and version; on the authority it joins the patch window and a save
 * is scheduled; then the proposals waiting for that version and the subscribers hear of it.
 */
import { SocketManagerError } from "../contract/errors";
import type { SharedOp } from "../contract/types";
import { deepFreeze } from "./frozen";
import type { Held } from "./held";
import type { Json } from "./json";
import type { PatchWindow } from "./patch-window";
import type { Saver } from "./saver";
import type { Waiters } from "./waiters";
import { MAX_VERSION } from "./wire";

export class Committer {
  readonly #held: Held;
  readonly #window: PatchWindow;
  readonly #saver: Saver;
  readonly #waiters: Waiters;

  constructor(held: Held, window: PatchWindow, saver: Saver, waiters: Waiters) {
    this.#held = held;
    this.#window = window;
    this.#saver = saver;
    this.#waiters = waiters;
  }

  /**
   * Holds `value` (of `bytes` JSON bytes; null: measured when first asked for) at `version` (by default the
   * next one), changed by `by` with `ops`; returns the version. Throws, changing nothing, past MAX_VERSION
   * (replicas would drop that version, and the saved value would no longer load).
   */
  commit(value: Json, bytes: number | null, ops: readonly SharedOp[], by: string, version?: number): number {
    const held = this.#held;
    const next = version ?? held.version + 1;
    if (next > MAX_VERSION)
      throw new SocketManagerError(
        `the state is at its highest version (${held.version}) and takes no more changes`,
        held.details(),
      );
    // Another author's change closes the window first: each patch names the one author of its changes.
    if (held.authority) this.#window.closeForAuthor(by);
    const previous = held.value;
    const from = held.version;
    held.hold(value, bytes);
    held.version = next;
    if (held.authority) {
      this.#window.add(previous, from, by);
      this.#saver.schedule();
    }
    this.#waiters.settleVersions();
    held.notify({ version: next, changedBy: by, patch: deepFreeze(ops.slice()) });
    return next;
  }
}
