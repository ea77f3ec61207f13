import type { FoundrySocket, SocketlibHandlerThis, SocketlibSocket } from "../foundry/types";
import { splitRelayArgs, watchConnectivity } from "./native";
import { SOCKET_EVENT, SOCKETLIB_HANDLER, type Transport, type TransportSink } from "./transport";

/**
 * socketlib has no unregister and ignores a second registration of a name, so each socketlib socket gets one
 * permanent trampoline handler that forwards to whichever transport is current.
 */
const trampolines = new WeakMap<SocketlibSocket, { sink: TransportSink | null }>();

function attach(socket: SocketlibSocket, sink: TransportSink | null): void {
  let slot = trampolines.get(socket);
  if (!slot) {
    const created = { sink: null as TransportSink | null };
    slot = created;
    trampolines.set(socket, created);
    socket.register(SOCKETLIB_HANDLER, function (this: SocketlibHandlerThis, ...args: never[]) {
      const senderId = this?.socketdata?.userId;
      const raw: unknown = args[0];
      if (typeof senderId !== "string") return;
      created.sink?.frame({ raw, senderId, via: "socketlib", simulated: false });
    });
  }
  slot.sink = sink;
}

/**
 * socketlib's socket for "socket-manager": frames go out with `executeForOthers`; the sender comes from
 * `this.socketdata.userId`. Frames from clients on the native path arrive as plain strings on the same event,
 * so those are read from `game.socket` directly.
 */
export class SocketlibTransport implements Transport {
  readonly kind = "socketlib" as const;
  readonly #detach: () => void;
  readonly #rawListener: (...args: unknown[]) => void;

  readonly #lib: SocketlibSocket;
  readonly #socket: FoundrySocket;

  constructor(lib: SocketlibSocket, socket: FoundrySocket, sink: TransportSink) {
    this.#lib = lib;
    this.#socket = socket;
    attach(lib, sink);
    this.#rawListener = (...args) => {
      const relayed = splitRelayArgs(args);
      if (relayed && typeof relayed.payload === "string") {
        sink.frame({ raw: relayed.payload, senderId: relayed.senderId, via: "native", simulated: false });
      }
    };
    socket.on(SOCKET_EVENT, this.#rawListener as (...args: never[]) => void);
    this.#detach = watchConnectivity(socket, sink);
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  send(frame: string): void {
    void this.#lib.executeForOthers(SOCKETLIB_HANDLER, frame);
  }

  dispose(): void {
    attach(this.#lib, null);
    this.#socket.off(SOCKET_EVENT, this.#rawListener as (...args: never[]) => void);
    this.#detach();
  }
}
