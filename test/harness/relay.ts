/**
 * A stand-in for the Foundry server's socket relay: a real socket.io v4 server on 127.0.0.1 that relays every
 * `module.*` message to every other connected client (never back to the sender), appending the sender's
 * user id as the last argument, and announces presence changes like Foundry's `userActivity` event.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import { MARKER_EVENT, type Relay, type RelayMessageListener, relays } from "./relay-types";

export * from "./relay-types";

export interface RelayOptions {
  /** Port to bind; 0 (default) picks a free one. */
  port?: number;
  /** socket.io's per-message limit; a bigger message disconnects its sender. Default 1e6, as socket.io. */
  maxHttpBufferSize?: number;
  /** The only package events relayed (those of packages with `"socket": true`); default: every one. */
  socketEvents?: readonly string[];
  /**
   * engine.io's heartbeat: a client whose pong has not arrived `pingTimeout` ms after a ping is dropped. The
   * default (10 s / 5 s) notices dead peers quickly in tests; socket.io's own default is 25 s / 20 s.
   */
  heartbeat?: { pingInterval: number; pingTimeout: number };
}

const DEFAULT_MAX_BUFFER = 1e6;
const TEST_HEARTBEAT = { pingInterval: 10_000, pingTimeout: 5_000 };

function jsonBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text, "utf8");
  } catch {
    return 0;
  }
}

export async function startRelay(opts: RelayOptions = {}): Promise<Relay> {
  const maxHttpBufferSize = opts.maxHttpBufferSize ?? DEFAULT_MAX_BUFFER;
  const socketEvents = opts.socketEvents ? new Set(opts.socketEvents) : undefined;
  const listeners = new Set<RelayMessageListener>();
  /** userId -> ids of that user's connected sockets. */
  const presence = new Map<string, Set<string>>();
  let framesRelayed = 0;
  let bytesRelayed = 0;
  let largestFrameBytes = 0;
  let port = opts.port ?? 0;
  /** userId -> time (Date.now) until which its connection attempts stall. */
  const cuts = new Map<string, number>();
  let http: HttpServer | null = null;
  let io: Server | null = null;

  const userOf = (socket: Socket): string => (socket.data as { userId: string }).userId;

  function onConnection(server: Server, socket: Socket): void {
    const userId = userOf(socket);
    let sockets = presence.get(userId);
    const firstSocket = !sockets || sockets.size === 0;
    if (!sockets) {
      sockets = new Set();
      presence.set(userId, sockets);
    }
    sockets.add(socket.id);

    socket.emit("presence", [...presence.keys()]);
    if (firstSocket) socket.broadcast.emit("userActivity", userId, { active: true });

    socket.onAny((event: string, ...raw: unknown[]) => {
      if (typeof event !== "string" || !relays(event, socketEvents)) return;
      // An acknowledgement callback only says the server received the message.
      let ack: ((...a: unknown[]) => void) | undefined;
      const args = raw.filter((a) => {
        if (typeof a === "function") {
          ack = a as (...a: unknown[]) => void;
          return false;
        }
        return true;
      });
      if (event === MARKER_EVENT) {
        socket.broadcast.emit(event, ...args, userId);
        return;
      }
      const bytes = jsonBytes(args);
      framesRelayed += 1;
      bytesRelayed += bytes;
      if (bytes > largestFrameBytes) largestFrameBytes = bytes;
      // The sender id is always the server's own record, appended last: a client cannot forge it.
      socket.broadcast.emit(event, ...args, userId);
      ack?.();
      for (const fn of [...listeners]) {
        try {
          fn(event, args, userId);
        } catch (err) {
          console.error("relay | onMessage listener threw", err);
        }
      }
    });

    socket.on("disconnect", () => {
      // A server going down (stop()) announces nothing: a crashed Foundry server cannot say who left.
      if (io !== server) return;
      const set = presence.get(userId);
      if (!set) return;
      set.delete(socket.id);
      if (set.size === 0) {
        presence.delete(userId);
        server.emit("userActivity", userId, { active: false });
      }
    });
  }

  async function listen(): Promise<void> {
    const httpServer = createServer();
    const server = new Server(httpServer, {
      maxHttpBufferSize,
      // A cut user's handshake stalls until the cut ends (the client's query names its user).
      allowRequest: (req, callback) => {
        const userId = new URL(req.url ?? "/", "http://relay").searchParams.get("userId") ?? "";
        const wait = (cuts.get(userId) ?? 0) - Date.now();
        if (wait <= 0) return callback(null, true);
        setTimeout(() => callback(null, true), wait);
      },
      serveClient: false,
      cors: { origin: "*" },
      ...(opts.heartbeat ?? TEST_HEARTBEAT),
    });
    server.use((socket, next) => {
      const userId = (socket.handshake.auth as { userId?: unknown } | undefined)?.userId;
      if (typeof userId !== "string" || userId.length === 0) {
        next(new Error("auth.userId is required"));
        return;
      }
      (socket.data as { userId: string }).userId = userId;
      next();
    });
    server.on("connection", (socket) => onConnection(server, socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      httpServer.once("error", onError);
      httpServer.listen(port, "127.0.0.1", () => {
        httpServer.off("error", onError);
        resolve();
      });
    });
    port = (httpServer.address() as AddressInfo).port;
    http = httpServer;
    io = server;
  }

  async function stop(): Promise<void> {
    const server = io;
    const httpServer = http;
    io = null;
    http = null;
    if (!server || !httpServer) return;
    // Like a crashed or restarted Foundry server: connections drop without a socket.io DISCONNECT packet,
    // so clients see "transport close" and their auto-reconnect keeps trying.
    const closing = server.close();
    httpServer.closeAllConnections();
    await closing;
    presence.clear();
  }

  async function restart(): Promise<void> {
    if (io) return;
    // The port was just released; retry briefly in case the OS has not let go of it yet.
    const deadline = Date.now() + 2_000;
    for (;;) {
      try {
        await listen();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get framesRelayed() {
      return framesRelayed;
    },
    get bytesRelayed() {
      return bytesRelayed;
    },
    get largestFrameBytes() {
      return largestFrameBytes;
    },
    get running() {
      return io !== null;
    },
    connectedUsers: () => [...presence.keys()],
    onMessage(fn) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    cutUser(userId, ms) {
      cuts.set(userId, Date.now() + ms);
      if (!io) return;
      for (const socket of io.sockets.sockets.values()) {
        // Closing the underlying connection sends no DISCONNECT packet: the client sees "transport close".
        if (userOf(socket) === userId) socket.conn.close();
      }
    },
    disconnectUser(userId) {
      if (!io) return;
      for (const socket of io.sockets.sockets.values()) {
        if (userOf(socket) === userId) socket.disconnect(true);
      }
    },
    resetStats() {
      framesRelayed = 0;
      bytesRelayed = 0;
      largestFrameBytes = 0;
    },
    stop,
    restart,
  };
}
