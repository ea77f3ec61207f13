import type { FoundrySocket } from "../foundry/types";
import { unwrapSocketlibFrame } from "./native";
import { mayBeFrame, SOCKET_EVENT } from "./transport";

/** At most this many socket events are held between `init` and the start of the manager. */
export const EARLY_MAX_EVENTS = 2048;
/** ...and at most this many characters of frames in all (see `roughSize`). */
export const EARLY_MAX_CHARS = 8 * 1024 * 1024;
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

/**
 * Holds the `module.socket-manager` events that arrive before the manager starts (it starts at `ready`, when
 * settings and users are known). Foundry records socket events until `ready` and replays them just before
 * it, so a listener added at `init` sees an early event twice; the receive path's duplicate check keeps one.
 * Bounded: past either limit the newest events are dropped and counted.
 */
export class EarlyFrames {
  #held: unknown[][] = [];
  #chars = 0;
  #dropped = 0;
  #socket: FoundrySocket | null;
  readonly #listener = (...args: unknown[]) => this.#hold(args);

  constructor(socket: FoundrySocket) {
    this.#socket = socket;
    socket.on(SOCKET_EVENT, this.#listener as (...args: never[]) => void);
  }

  get held(): number {
    return this.#held.length;
  }

  /** Stops listening and hands every held event to `receive`, in arrival order. Returns how many were dropped. */
  drain(receive: (args: unknown[]) => void): number {
    this.stop();
    const held = this.#held;
    this.#held = [];
    this.#chars = 0;
    for (const args of held) receive(args);
    return this.#dropped;
  }

  stop(): void {
    this.#socket?.off(SOCKET_EVENT, this.#listener as (...args: never[]) => void);
    this.#socket = null;
  }

  #hold(args: unknown[]): void {
    const wrapped = unwrapSocketlibFrame(args[0]);
    const frame = wrapped ?? (mayBeFrame(args[0]) ? args[0] : null);
    // Anything that is not a frame (ours, or ours wrapped by socketlib) would be dropped on arrival anyway.
    const chars = frame === null ? Number.POSITIVE_INFINITY : roughSize(frame, EARLY_MAX_CHARS - this.#chars);
    if (this.#held.length >= EARLY_MAX_EVENTS || this.#chars + chars > EARLY_MAX_CHARS) {
      this.#dropped++;
      return;
    }
    this.#chars += chars;
    this.#held.push(args);
  }
}
