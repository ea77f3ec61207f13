import type { FoundrySocket, SocketlibHandlerThis, SocketlibSocket } from "../foundry/types";
import { EarlyHold } from "./early";
import { splitRelayArgs, watchConnectivity } from "./native";
import {
  type IncomingFrame,
  mayBeFrame,
  type OutgoingFrame,
  SOCKET_EVENT,
  SOCKETLIB_HANDLER,
  type Transport,
  type TransportSink,
} from "./transport";

/**
 * socketlib has no unregister, ignores a second registration of a name, and raises an unhandled
 * SocketlibUnregisteredHandlerError for every message whose handler name is not registered yet
 * (docs/FOUNDRY.md). So the one handler is registered at `socketlib.ready`, during `init`, and stays: it
 * forwards to whichever transport is current, and holds (bounded) what arrives before the manager starts.
 */
interface Slot {
  sink: TransportSink | null;
  /** Frames held until the first transport attaches; null once one did. */
  early: EarlyHold<IncomingFrame> | null;
}

const slots = new WeakMap<SocketlibSocket, Slot>();

/** Registers Socket Manager's frame handler on socketlib's socket. Call in `socketlib.ready`. Idempotent. */
export function registerFrameHandler(socket: SocketlibSocket): void {
  if (slots.has(socket)) return;
  const slot: Slot = { sink: null, early: new EarlyHold() };
  slots.set(socket, slot);
  socket.register(SOCKETLIB_HANDLER, function (this: SocketlibHandlerThis, ...args: never[]) {
    const senderId = this?.socketdata?.userId;
    const raw: unknown = args[0];
    if (typeof senderId !== "string") return;
    const frame: IncomingFrame = { raw, senderId, via: "socketlib", simulated: false };
    if (slot.sink) return slot.sink.frame(frame);
    slot.early?.keep(senderId, raw, frame);
  });
}

/** Another transport was chosen: what socketlib delivers is no longer held (it arrives by game.socket too). */
export function stopHolding(socket: SocketlibSocket): void {
  const slot = slots.get(socket);
  if (slot) slot.early = null;
}

function attach(socket: SocketlibSocket, sink: TransportSink | null): number {
  registerFrameHandler(socket);
  const slot = slots.get(socket)!;
  slot.sink = sink;
  const early = slot.early;
  if (!sink || !early) return 0;
  slot.early = null;
  for (const frame of early.take()) sink.frame(frame);
  return early.dropped;
}

/**
 * socketlib's socket for "socket-manager": frames go out with `executeForOthers`; the sender comes from
 * `this.socketdata.userId`. Frames from clients on the native path arrive unwrapped on the same event, so
 * those are read from `game.socket` directly.
 */
export class SocketlibTransport implements Transport {
  readonly kind = "socketlib" as const;
  /** Frames socketlib delivered before this transport existed but could not hold (over the early bounds). */
  readonly earlyDropped: number;
  readonly #detach: () => void;
  readonly #rawListener = (...args: unknown[]) => this.receive(args);
  readonly #lib: SocketlibSocket;
  readonly #socket: FoundrySocket;
  readonly #sink: TransportSink;

  constructor(lib: SocketlibSocket, socket: FoundrySocket, sink: TransportSink) {
    this.#lib = lib;
    this.#socket = socket;
    this.#sink = sink;
    this.earlyDropped = attach(lib, sink);
    socket.on(SOCKET_EVENT, this.#rawListener as (...args: never[]) => void);
    this.#detach = watchConnectivity(socket, sink);
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Unwrapped frames from native-path clients; socketlib's own messages reach the registered handler. */
  receive(args: unknown[]): void {
    const { payload, senderId } = splitRelayArgs(args);
    if (mayBeFrame(payload)) this.#sink.frame({ raw: payload, senderId, via: "native", simulated: false });
  }

  send(frame: OutgoingFrame): void {
    void this.#lib.executeForOthers(SOCKETLIB_HANDLER, frame);
  }

  dispose(): void {
    attach(this.#lib, null);
    this.#socket.off(SOCKET_EVENT, this.#rawListener as (...args: never[]) => void);
    this.#detach();
  }
}
