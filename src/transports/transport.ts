/**
 * A transport moves opaque frames between clients and reports connectivity. It knows nothing of events,
 * batching or handlers. `send` always goes to every other client: the Foundry server relays each message to
 * everyone but the sender, and receivers filter by target themselves.
 */

import { MODULE_ID } from "../contract/ids";
import type { TransportKind } from "../contract/types";

export type { TransportKind };

/**
 * A frame as it leaves: a plain JSON-serialisable object (the pipeline's `WireFrame`) that socket.io writes with
 * JSON.stringify like any emitted argument. Nothing may change it once it is handed to `send`.
 */
export type OutgoingFrame = object;

export interface IncomingFrame {
  /** The raw frame as received: normally the object socket.io parsed (a string in the text form). */
  readonly raw: unknown;
  /** Server-stamped sender user id: the only identity Socket Manager trusts. */
  readonly senderId: string;
  /** Which path carried it (a frame may arrive by the path this client did not choose). */
  readonly via: TransportKind;
  /** True for frames looped back by the local transport. */
  readonly simulated: boolean;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Whether frames can leave now. */
  readonly connected: boolean;
  /** Broadcast one frame to every other client. */
  send(frame: OutgoingFrame): void;
  /** Handles one `module.socket-manager` socket event (its listener arguments), e.g. one held since `init`. */
  receive(args: unknown[]): void;
  /** Stop listening and release every resource. */
  dispose(): void;
}

/**
 * The link as Foundry's socket reports it. Foundry owns `game.socket` (docs/FOUNDRY.md): "down" means it is
 * retrying, "gave-up" that its reconnection attempts ran out (Foundry then leaves the game page).
 */
export type LinkState = "up" | "down" | "gave-up";

/** What a transport calls back into. */
export interface TransportSink {
  frame(frame: IncomingFrame): void;
  connectivity(state: LinkState): void;
}

/** The one socket event this module may use. */
export const SOCKET_EVENT = `module.${MODULE_ID}`;
/** The socketlib handler name that carries frames. */
export const SOCKETLIB_HANDLER = "frame";

/**
 * Whether a socket payload may be one of our frames: the object form (it has a version field `v`), or the text
 * form. socketlib's own messages on the same event (`{ handlerName, args, type, … }`) have no `v`.
 */
export function mayBeFrame(payload: unknown): boolean {
  if (typeof payload === "string") return true;
  return typeof payload === "object" && payload !== null && "v" in payload;
}
