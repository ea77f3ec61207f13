/**
 * What one shared state holds on this client: its value (frozen JSON) and size, version and epoch, whether it
 * holds the authority's value, whether it is the authority, and the subscribers told of every change. The
 * other parts of the state (src/shared/state.ts wires them) read and move these fields; none keeps a copy.
 */
import { SocketManagerError } from "../contract/errors";
import type { SharedChange } from "../contract/types";
import type { SharedHost } from "./host";
import { type Json, jsonBytes } from "./json";
import type { SharedConfig } from "./options";
import type { StateRef } from "./wire";

export type Subscriber = (value: unknown, change: SharedChange) => void;

export class Held {
  readonly ref: StateRef;
  readonly config: SharedConfig;
  readonly host: SharedHost;

  #value: Json;
  /** The size of `value`'s JSON, or null until something needs it (see {@link bytes}). */
  #bytes: number | null;
  version = 0;
  epoch: string | null = null;
  /** This client holds the authority's value (always, on the authority after its handover). */
  synced = false;
  authority = false;
  disposed = false;
  /** Snapshots a synced replica had to take (it fell behind). */
  resyncs = 0;
  readonly subscribers = new Set<Subscriber>();

  constructor(ref: StateRef, config: SharedConfig, host: SharedHost) {
    this.ref = ref;
    this.config = config;
    this.host = host;
    this.#value = config.initial;
    this.#bytes = config.initialBytes;
  }

  /** The value held: frozen JSON. */
  get value(): Json {
    return this.#value;
  }

  /**
   * UTF-8 bytes of `value`'s JSON. A value taken from a snapshot is measured here, the first time its size is
   * asked for (a proposal's size check, a handover, `info()`), not while a late joiner waits for it; from
   * then on patches keep the size up to date.
   */
  get bytes(): number {
    this.#bytes ??= jsonBytes(this.#value);
    return this.#bytes;
  }

  /** The size when it is known, null when `value` was never measured. */
  get knownBytes(): number | null {
    return this.#bytes;
  }

  /** Holds `value` with its size (null: measured when first asked for). */
  hold(value: Json, bytes: number | null): void {
    this.#value = value;
    this.#bytes = bytes;
  }

  /** The module and key errors of this state name. */
  details(): { moduleId: string; event: string } {
    return { moduleId: this.ref.m, event: this.ref.k };
  }

  disposedError(): SocketManagerError {
    return new SocketManagerError("this shared state was disposed", this.details());
  }

  /** Tells every subscriber of a change; one subscriber's throw is counted and logged, never passed on. */
  notify(change: SharedChange): void {
    for (const fn of [...this.subscribers]) {
      try {
        fn(this.value, change);
      } catch (e) {
        this.host.counters.handlerErrors++;
        this.host.log.error(`a subscriber of shared "${this.ref.k}" (${this.ref.m}) threw`, e);
      }
    }
  }
}
