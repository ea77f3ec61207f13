/** Public types of shared state: `channel.shared(key, options)` (README, "Shared state"). */
import type { StandardSchemaV1 } from "./schema";
import type { FoundryUser } from "./types";

/** One step of a path into a shared value: an object key, or an array index. */
export type SharedPathSegment = string | number;

/**
 * One change to a shared value: `[path, value]` sets the value at `path` (an array index equal to the array's
 * length appends); `[path]` deletes an object key, or cuts an array at that index. `[[], value]` replaces it all.
 */
export type SharedOp =
  | readonly [path: readonly SharedPathSegment[], value: unknown]
  | readonly [path: readonly SharedPathSegment[]];

/** The operations of one change, applied in order. */
export type SharedPatch = readonly SharedOp[];

/** What a shared state's subscribers get with each new value. */
export interface SharedChange {
  /** The version the value now has. */
  readonly version: number;
  /** The user whose change this is (for a full snapshot: the GM that sent it). */
  readonly changedBy: string;
  /**
   * The change as operations. On the GM, one per update; on other clients, what arrived (changes made within
   * one `patchRate` window arrive merged; a snapshot arrives as `[[[], value]]`).
   */
  readonly patch: SharedPatch;
}

/** A change as a `write` predicate sees it on the GM, before it is applied. */
export interface SharedProposal<T> extends SharedChange {
  /** The value the state would have (deeply frozen). */
  readonly value: T;
  /** The value it has now. */
  readonly previous: T;
}

/** Who may change a shared state: a minimum role, or a predicate over the server-stamped sender and the change. */
export type SharedWrite<T> =
  | "player"
  | "trusted"
  | "assistant"
  | "gm"
  | ((sender: FoundryUser, change: SharedProposal<T>) => boolean);

export interface SharedOptions<T> {
  /** The value at version 0, the same on every client. JSON-safe. */
  initial: T;
  /** Any Standard Schema: every new value must pass it on the GM (its output is not used). Default: none. */
  schema?: StandardSchemaV1<unknown, T>;
  /** Who may change the state, checked by the GM. Default "gm": only full GMs' clients (and the GM itself). */
  write?: SharedWrite<T>;
  /** The GM saves the value (at most once a second) in a hidden world setting, and resumes from it. Default false. */
  persist?: boolean;
  /** Changes within this many ms are sent as one patch; 0 sends each change at once. Default 50. */
  patchRate?: number;
  /** Largest value, in UTF-8 bytes of its JSON. Default 1 MiB. */
  maxBytes?: number;
  /** Largest single change, in UTF-8 bytes of its JSON operations. Default 256 KiB. */
  maxPatchBytes?: number;
}

/** `set(partial)`: a plain-object state takes a shallow merge; any other state is replaced. */
export type SharedSetValue<T> = T extends readonly unknown[] ? T : T extends object ? Partial<T> : T;

/**
 * Live state owned by the active GM: every client holds the same value at the same version. Changes made on
 * the GM apply at once and go to everyone; changes made elsewhere are proposals the GM checks and applies.
 */
export interface SharedState<T> {
  readonly moduleId: string;
  readonly key: string;
  /** The current value, deeply frozen. Until this client has the GM's value, `initial`. */
  readonly value: T;
  /** 0 with `initial`; one more with each change the GM applied (a merged patch may move it further). */
  readonly version: number;
  /** True once this client holds the GM's value (at once on the GM). */
  readonly synced: boolean;
  /** `fn` after every change of the value on this client; returns the unsubscribe. */
  subscribe(fn: (value: T, change: SharedChange) => void): () => void;
  /**
   * Edits a mutable deep copy of the latest value. Resolves with the version of the change (the current one
   * when nothing changed) once this client holds it; rejects with PermissionDeniedError, ValidationError,
   * PayloadTooLargeError, NoGMError or TimeoutError, changing nothing anywhere.
   */
  update(fn: (draft: T) => void): Promise<number>;
  /** Shallow merge for a plain-object state, replacement otherwise; as `update`. */
  set(partial: SharedSetValue<T>): Promise<number>;
  /** Forgets the state on this client (a later `shared()` with its key starts again from the GM). */
  dispose(): void;
}

/** One shared state of this client, for the console and the status window (`api.shared()`). */
export interface SharedInfo {
  moduleId: string;
  key: string;
  version: number;
  /** UTF-8 bytes of the value's JSON. */
  bytes: number;
  subscribers: number;
  /** This client is the authority (the active GM, or local mode). */
  authority: boolean;
  /** This client holds the GM's value. */
  synced: boolean;
  persist: boolean;
  /** Full snapshots this client received after its first one (version gaps, reconnects, handovers). */
  resyncs: number;
}
