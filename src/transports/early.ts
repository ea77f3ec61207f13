import type { FoundrySocket } from "../foundry/types";
import { socketlibFrameMessage, splitRelayArgs, unwrapSocketlibFrame } from "./native";
import { mayBeFrame, SOCKET_EVENT } from "./transport";

/** At most this many socket events are held between `init` and the start of the manager. */
export const EARLY_MAX_EVENTS = 2048;
/** ...and at most this many characters of frames in all (see `roughSize`). */
export const EARLY_MAX_CHARS = 8 * 1024 * 1024;
/**
 * No one sender may hold more than a quarter of either: shutting everyone else out then takes four hostile
 * accounts, while a quarter (512 events, 2 M characters: two frames of the largest size a sender may use) is
 * still far more than a peer sends in the seconds before `ready`. Reliable messages refused here are sent again.
 */
export const EARLY_SENDER_MAX_EVENTS = EARLY_MAX_EVENTS / 4;
export const EARLY_SENDER_MAX_CHARS = EARLY_MAX_CHARS / 4;
/** Nesting past this is not held: the receive path would refuse it anyway. */
const ROUGH_MAX_DEPTH = 128;

/**
 * About how many characters `value` takes as JSON (strings exactly, other values roughly), for bounding what is
 * held before the receive path, which measures exactly, runs. Infinity once past `limit`, or for nesting deeper
 * than the receive path accepts; stops counting there, so a huge value costs no more than `limit` worth of walk.
 */
export function roughSize(value: unknown, limit: number): number {
  let chars = 0;
  const walk = (v: unknown, depth: number): boolean => {
    if (typeof v === "string") chars += v.length + 2;
    else if (typeof v !== "object" || v === null) chars += 5;
    else if (depth >= ROUGH_MAX_DEPTH) return false;
    else if (Array.isArray(v)) {
      chars += v.length + 2;
      for (let i = 0; i < v.length && chars <= limit; i++) if (!walk(v[i], depth + 1)) return false;
    } else {
      chars += 2;
      for (const key in v) {
        chars += key.length + 4;
        if (chars > limit || !walk((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
    }
    return chars <= limit;
  };
  return walk(value, 0) ? chars : Number.POSITIVE_INFINITY;
}

const NO_SHARE = Object.freeze({ events: 0, chars: 0 });

/**
 * What arrived early, bounded in total and per server-stamped sender, each charged before anything is kept.
 * Shared by the `game.socket` hold below and socketlib's (src/transports/socketlib.ts).
 */
export class EarlyHold<T> {
  #items: T[] = [];
  #chars = 0;
  #dropped = 0;
  #shares = new Map<string, { events: number; chars: number }>();

  get size(): number {
    return this.#items.length;
  }

  /** How many were refused, over this hold's life. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Keeps `item` if `frame` fits the total and `sender`'s share; otherwise counts it dropped. */
  keep(sender: string, frame: unknown, item: T): void {
    const share = this.#shares.get(sender) ?? NO_SHARE;
    if (this.#items.length >= EARLY_MAX_EVENTS || share.events >= EARLY_SENDER_MAX_EVENTS)
      return this.refuse();
    const room = Math.min(EARLY_MAX_CHARS - this.#chars, EARLY_SENDER_MAX_CHARS - share.chars);
    const chars = roughSize(frame, room);
    if (chars > room) return this.refuse();
    this.#shares.set(sender, { events: share.events + 1, chars: share.chars + chars });
    this.#chars += chars;
    this.#items.push(item);
  }

  refuse(): void {
    this.#dropped++;
  }

  /** Everything held, in arrival order; the hold is empty afterwards. */
  take(): T[] {
    const items = this.#items;
    this.#items = [];
    this.#chars = 0;
    this.#shares = new Map();
    return items;
  }
}

/**
 * Holds the `module.socket-manager` events that arrive before the manager starts (it starts at `ready`, when
 * settings and users are known). Foundry records socket events until `ready` and replays them just before
 * it, so a listener added at `init` sees an early event twice; the receive path's duplicate check keeps one.
 * Bounded (see EarlyHold): past a limit the newest events are dropped and counted.
 */
export class EarlyFrames {
  readonly #hold = new EarlyHold<unknown[]>();
  #socket: FoundrySocket | null;
  readonly #listener = (...args: unknown[]) => this.#keep(args);

  constructor(socket: FoundrySocket) {
    this.#socket = socket;
    socket.on(SOCKET_EVENT, this.#listener as (...args: never[]) => void);
  }

  get held(): number {
    return this.#hold.size;
  }

  /** Stops listening and hands every held event to `receive`, in arrival order. Returns how many were dropped. */
  drain(receive: (args: unknown[]) => void): number {
    this.stop();
    for (const args of this.#hold.take()) receive(args);
    return this.#hold.dropped;
  }

  stop(): void {
    this.#socket?.off(SOCKET_EVENT, this.#listener as (...args: never[]) => void);
    this.#socket = null;
  }

  #keep(args: unknown[]): void {
    const wrapped = unwrapSocketlibFrame(args[0]);
    const frame = wrapped ?? (mayBeFrame(args[0]) ? args[0] : null);
    // Anything that is not a frame (ours, or ours wrapped by socketlib) would be dropped on arrival anyway.
    if (frame === null) return this.#hold.refuse();
    const { payload, senderId } = splitRelayArgs(args);
    // Only what is charged is kept: the frame (in a bare socketlib message when it came in one) and the sender,
    // not the rest of what a peer sent along. Without the sender the server appends, the receive path refuses it
    // as malformed; all such share sender "".
    const kept =
      payload === undefined ? [] : [wrapped === null ? frame : socketlibFrameMessage(frame), senderId];
    this.#hold.keep(senderId, frame, kept);
  }
}
