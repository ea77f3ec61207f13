import type { FoundrySocket } from "../foundry/types";
import {
  mayBeFrame,
  type OutgoingFrame,
  SOCKET_EVENT,
  SOCKETLIB_HANDLER,
  type Transport,
  type TransportSink,
} from "./transport";

/** socketlib's command message type on the wire (docs/FOUNDRY.md, socketlib). */
const SOCKETLIB_COMMAND = 0;

/**
 * If `payload` is one of our frames wrapped by socketlib (a client that chose the socketlib path), returns
 * the frame inside it (an object, or a string in the text form); otherwise null.
 */
export function unwrapSocketlibFrame(payload: unknown): unknown {
  if (typeof payload !== "object" || payload === null) return null;
  const msg = payload as { handlerName?: unknown; type?: unknown; args?: unknown };
  if (msg.handlerName !== SOCKETLIB_HANDLER || msg.type !== SOCKETLIB_COMMAND || !Array.isArray(msg.args))
    return null;
  return mayBeFrame(msg.args[0]) ? msg.args[0] : null;
}

/** A bare socketlib command message carrying `frame`: what `unwrapSocketlibFrame` reads, and nothing else. */
export function socketlibFrameMessage(frame: unknown): {
  handlerName: string;
  type: number;
  args: unknown[];
} {
  return { handlerName: SOCKETLIB_HANDLER, type: SOCKETLIB_COMMAND, args: [frame] };
}

/**
 * The server appends the sender's user id after whatever the client emitted, so the trustworthy id is the
 * last argument; a client that emits extra arguments cannot push a forged id into its place. Anything else
 * (no payload, or no sender id) comes out with no payload, so the receive path refuses it as malformed and counts
 * it, and with the sender id `""` when there is none.
 */
export function splitRelayArgs(args: unknown[]): { payload: unknown; senderId: string } {
  const last = args[args.length - 1];
  if (typeof last !== "string") return { payload: undefined, senderId: "" };
  return { payload: args.length < 2 ? undefined : args[0], senderId: last };
}

/**
 * Follows Foundry's socket: `connect` / `disconnect` on the socket, and `reconnect_failed` on its manager
 * (Foundry's ten attempts are spent). Only listens: Foundry owns the connection. Returns the detach function.
 */
export function watchConnectivity(socket: FoundrySocket, sink: TransportSink): () => void {
  const up = () => sink.connectivity("up");
  const down = () => sink.connectivity("down");
  const gaveUp = () => sink.connectivity("gave-up");
  socket.on("connect", up);
  socket.on("disconnect", down);
  socket.io?.on("reconnect_failed", gaveUp);
  return () => {
    socket.off("connect", up);
    socket.off("disconnect", down);
    socket.io?.off("reconnect_failed", gaveUp);
  };
}

/**
 * Foundry's own socket: `game.socket.emit("module.socket-manager", frame)`, the frame an object that socket.io
 * writes as JSON once; the server appends the sender.
 */
export class NativeTransport implements Transport {
  readonly kind = "native" as const;
  readonly #detach: () => void;
  readonly #listener = (...args: unknown[]) => this.receive(args);
  readonly #socket: FoundrySocket;
  readonly #sink: TransportSink;

  constructor(socket: FoundrySocket, sink: TransportSink) {
    this.#socket = socket;
    this.#sink = sink;
    socket.on(SOCKET_EVENT, this.#listener as (...args: never[]) => void);
    this.#detach = watchConnectivity(socket, sink);
  }

  receive(args: unknown[]): void {
    const { payload, senderId } = splitRelayArgs(args);
    // A client on the socketlib path: socketlib wraps our frame in its own command message.
    const inner = unwrapSocketlibFrame(payload);
    if (inner !== null) this.#sink.frame({ raw: inner, senderId, via: "socketlib", simulated: false });
    else this.#sink.frame({ raw: payload, senderId, via: "native", simulated: false });
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  send(frame: OutgoingFrame): void {
    this.#socket.emit(SOCKET_EVENT, frame);
  }

  dispose(): void {
    this.#socket.off(SOCKET_EVENT, this.#listener as (...args: never[]) => void);
    this.#detach();
  }
}
