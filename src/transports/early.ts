import type { FoundrySocket } from "../foundry/types";
import { unwrapSocketlibFrame } from "./native";
import { SOCKET_EVENT } from "./transport";

/** At most this many socket events are held between `init` and the start of the manager. */
export const EARLY_MAX_EVENTS = 2048;
/** ...and at most this many characters of string frames in all. */
export const EARLY_MAX_CHARS = 8 * 1024 * 1024;

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
    const frame = typeof args[0] === "string" ? args[0] : unwrapSocketlibFrame(args[0]);
    // Anything that is not a frame (ours, or ours wrapped by socketlib) would be dropped on arrival anyway.
    const chars = frame === null ? Number.POSITIVE_INFINITY : frame.length;
    if (this.#held.length >= EARLY_MAX_EVENTS || this.#chars + chars > EARLY_MAX_CHARS) {
      this.#dropped++;
      return;
    }
    this.#chars += chars;
    this.#held.push(args);
  }
}
