/** A simulated Foundry client (client-core.ts) whose socket is, by default, a socket.io-client one to `url`. */
import { io } from "socket.io-client";
import {
  createClient,
  type SimClient,
  type SimClientOptions,
  type SimSocket,
  type SocketFactory,
} from "./client-core";

export * from "./client-core";

/** A socket.io-client socket to the relay at `url`, with the given options, not connected yet. */
export function socketIo(url: string): SocketFactory {
  return (userId, options) =>
    io(url, {
      auth: { userId },
      // Also in the query, which the relay can read before the handshake (to stall a cut user's attempts).
      query: { userId },
      transports: ["websocket"],
      ...options,
      forceNew: true,
      autoConnect: false,
    }) as unknown as SimSocket;
}

export type SocketIoClientOptions = Omit<SimClientOptions, "socket"> & {
  /** The socket.io relay's url (used unless `socket` is given). */
  url: string;
  socket?: SocketFactory;
};

export function createSimClient(opts: SocketIoClientOptions): Promise<SimClient> {
  const { url, socket, ...rest } = opts;
  return createClient({ ...rest, socket: socket ?? socketIo(url) });
}
