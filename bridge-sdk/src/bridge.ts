import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Server as TlsServer } from "node:tls";
import { type WebSocket, WebSocketServer } from "ws";
import { type Clock, systemClock } from "./clock.js";
import { Connection, type ConnectionHost, readText } from "./connection.js";
import { BridgeError, NotConnectedError, WorldRequiredError } from "./errors.js";
import {
  CLOSE,
  DEFAULT_MAX_FRAME_BYTES,
  type DropReason,
  decodeHello,
  type EventItem,
  encodeFrame,
  isName,
  PROTOCOL_VERSION,
} from "./protocol.js";
import type { BridgeMetrics, ConnectionInfo, EventInfo, RequestOptions } from "./types.js";

/** This SDK's version, sent in the welcome as `@socket-manager/bridge/<version>`. */
export const SDK_VERSION = "0.1.0";

export interface BridgeOptions {
  /** Port of the bridge's own HTTP server; default 0 (the system picks a free one: read it from `ready`). */
  port?: number;
  /** Address of the bridge's own HTTP server; default `"127.0.0.1"` (this machine only). */
  host?: string;
  /**
   * Attach to this HTTP or HTTPS server instead of starting one (`port` and `host` must then be left out).
   * The bridge answers upgrades on `path` only and leaves the others to the server's other listeners; it
   * never closes this server. Behind an HTTPS server the URL in `ready` is `wss://`.
   */
  server?: Server | HttpsServer;
  /** URL path the Foundry client connects to; default `"/"` (any query string is ignored). */
  path?: string;
  /** The shared secret the Foundry client sends in its hello. Required, not empty. */
  token: string;
  /** Largest frame accepted or sent, in UTF-8 bytes; default 1,048,576. */
  maxFrameBytes?: number;
  /** Frames each connection may send; default 200/s with bursts of 400. Frames over it are dropped. */
  rateLimit?: { perSecond: number; burst: number };
  /** Default timeout of `request` and `ping`, in ms; default 10,000. */
  requestTimeout?: number;
  /** Interval of the server's pings to each connection, in ms; default 15,000; 0 disables them. */
  pingInterval?: number;
  /** Time a new connection has to send its hello, in ms; default 10,000 (then it is closed with 4008). */
  helloTimeout?: number;
  /** Sent in the welcome as `server`; default `"@socket-manager/bridge/<version>"`. */
  name?: string;
  /** Time and timers; default the system clock. Tests pass a fake one. */
  clock?: Clock;
  /**
   * Called when an `on` or `onConnection` listener throws (or its promise rejects); the other listeners
   * still run. Default: `console.error`.
   */
  onError?: (error: unknown, where: string) => void;
}

export interface Bridge {
  /** Resolves once the bridge listens (own server) or is attached and its server listens. */
  readonly ready: Promise<{ port: number; url: string }>;
  /** Sends a request to Foundry and resolves with the response's data. */
  request<T = unknown>(kind: string, data?: unknown, opts?: RequestOptions): Promise<T>;
  /** Listens to an event sent by Foundry; returns the function that stops listening. */
  on(event: string, fn: (data: unknown, info: EventInfo) => void): () => void;
  /** Listens to connections accepted (`true`) and gone (`false`); returns the function that stops listening. */
  onConnection(fn: (connection: ConnectionInfo, connected: boolean) => void): () => void;
  /** The connected Foundry clients, one per world, oldest first (copies). */
  readonly connections: ConnectionInfo[];
  /** Pings a connection (the only one, or `world`); resolves with the round trip in ms. */
  ping(world?: string): Promise<number>;
  /** Counters since the bridge was created (a copy). */
  metrics(): BridgeMetrics;
  /** Closes every connection (1001), stops listening and closes the bridge's own server; idempotent. */
  close(): Promise<void>;
}

/** Time `close()` gives clients to answer the closing handshake before their sockets are dropped. */
const CLOSE_GRACE_MS = 2000;

function positiveInteger(
  name: string,
  value: number | undefined,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new TypeError(`createBridge: ${name} must be a ${allowZero ? "non-negative" : "positive"} integer`);
  }
  return value;
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function formatUrl(secure: boolean, host: string, port: number, path: string): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `${secure ? "wss" : "ws"}://${h}:${port}${path}`;
}

function listening(server: Server | HttpsServer): Promise<AddressInfo> {
  const address = () => {
    const a = server.address();
    if (a === null || typeof a === "string") {
      throw new TypeError("createBridge: the server must listen on a TCP port, not a pipe");
    }
    return a;
  };
  if (server.listening) return Promise.resolve().then(address);
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      try {
        resolve(address());
      } catch (error) {
        reject(error);
      }
    };
    server.once("error", onError);
    server.once("listening", onListening);
  });
}

/** Starts a bridge: a WebSocket endpoint Foundry clients (one per world) connect to. */
export function createBridge(opts: BridgeOptions): Bridge {
  if (typeof opts.token !== "string" || opts.token.length === 0) {
    throw new TypeError("createBridge: token must be a non-empty string");
  }
  if (opts.server && (opts.port !== undefined || opts.host !== undefined)) {
    throw new TypeError("createBridge: pass either server, or port and host, not both");
  }
  const path = opts.path ?? "/";
  if (!path.startsWith("/")) throw new TypeError('createBridge: path must start with "/"');
  const maxFrameBytes = positiveInteger("maxFrameBytes", opts.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
  const requestTimeout = positiveInteger("requestTimeout", opts.requestTimeout, 10_000);
  const pingInterval = positiveInteger("pingInterval", opts.pingInterval, 15_000, true);
  const helloTimeout = positiveInteger("helloTimeout", opts.helloTimeout, 10_000);
  const rateLimit = opts.rateLimit ?? { perSecond: 200, burst: 400 };
  if (!(rateLimit.perSecond > 0) || !(rateLimit.burst >= 1)) {
    throw new TypeError("createBridge: rateLimit needs perSecond > 0 and burst >= 1");
  }
  const clock = opts.clock ?? systemClock;
  const serverName = opts.name ?? `@socket-manager/bridge/${SDK_VERSION}`;
  if (!isName(serverName)) throw new TypeError("createBridge: name must be 1 to 64 characters");
  const onError =
    opts.onError ?? ((error: unknown, where: string) => console.error(`[bridge] ${where} threw:`, error));
  const tokenDigest = digest(opts.token);

  const metrics = { framesIn: 0, framesOut: 0 };
  // Maps, not objects: a kind such as "__proto__" must stay an ordinary key.
  const requestCounts = new Map<string, { ok: number; failed: number }>();
  const dropped = new Map<DropReason, number>();
  const byWorld = new Map<string, Connection>();
  const eventListeners = new Map<string, Set<(data: unknown, info: EventInfo) => void>>();
  const connectionListeners = new Set<(c: ConnectionInfo, connected: boolean) => void>();
  /** Sockets not yet past their hello, with their hello timers. */
  const handshaking = new Map<WebSocket, unknown>();
  let closing: Promise<void> | null = null;

  const drop = (reason: DropReason) => {
    dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  };

  /** Runs a listener; what it throws (or rejects with) goes to onError. */
  const safely = (where: string, run: () => unknown) => {
    try {
      const result = run();
      if (result instanceof Promise) result.catch((error: unknown) => onError(error, where));
    } catch (error) {
      onError(error, where);
    }
  };

  const notify = (info: ConnectionInfo, connected: boolean) => {
    const copy = { ...info, capabilities: [...info.capabilities] };
    for (const fn of [...connectionListeners]) safely("onConnection listener", () => fn(copy, connected));
  };

  const host: ConnectionHost = {
    clock,
    maxFrameBytes,
    rateLimit,
    pingInterval,
    drop,
    frameIn: () => void metrics.framesIn++,
    frameOut: () => void metrics.framesOut++,
    event(info: ConnectionInfo, item: EventItem) {
      const listeners = eventListeners.get(item.event);
      if (!listeners) return;
      const eventInfo: EventInfo = { event: item.event, world: info.world, user: info.user, at: item.at };
      for (const fn of [...listeners]) safely(`listener of "${item.event}"`, () => fn(item.data, eventInfo));
    },
    gone(connection: Connection) {
      if (byWorld.get(connection.info.world) !== connection) return;
      byWorld.delete(connection.info.world);
      notify(connection.info, false);
    },
  };

  const closeRaw = (ws: WebSocket, close: { code: number; reason: string }) => {
    const timer = handshaking.get(ws);
    if (timer !== undefined) clock.clearTimeout(timer);
    handshaking.delete(ws);
    ws.close(close.code, close.reason);
  };

  /** The first frame of a connection: a hello, or the connection is closed. */
  const onHello = (ws: WebSocket, data: Parameters<typeof readText>[0], isBinary: boolean) => {
    metrics.framesIn++;
    if (!handshaking.has(ws)) return;
    const message = readText(data, isBinary);
    const result = message
      ? decodeHello(message.text, maxFrameBytes, message.bytes)
      : ({ ok: false, close: CLOSE.badHello } as const);
    if (!result.ok) return closeRaw(ws, result.close);
    const { hello } = result;
    if (!timingSafeEqual(digest(hello.token), tokenDigest)) return closeRaw(ws, CLOSE.unauthorized);
    const timer = handshaking.get(ws);
    clock.clearTimeout(timer);
    handshaking.delete(ws);

    const previous = byWorld.get(hello.world);
    if (previous) {
      const { code, reason } = CLOSE.replaced;
      previous.close(code, reason, `the connection to world "${hello.world}" was replaced by a new one`);
    }
    const info: ConnectionInfo = {
      world: hello.world,
      user: hello.user,
      module: hello.module,
      capabilities: hello.capabilities,
      connectedAt: clock.now(),
    };
    const connection = new Connection(ws, info, host);
    byWorld.set(hello.world, connection);
    ws.send(encodeFrame({ type: "welcome", v: PROTOCOL_VERSION, server: serverName, maxFrameBytes }));
    metrics.framesOut++;
    notify(info, true);
  };

  // Frames between maxFrameBytes and twice that are dropped and counted; larger ones make ws close with 1009.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes * 2,
    perMessageDeflate: false,
  });
  wss.on("connection", (ws: WebSocket) => {
    ws.on("error", (error: Error & { code?: string }) => {
      drop(error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? "too-large" : "socket-error");
    });
    if (closing) return ws.close(CLOSE.goingAway.code, CLOSE.goingAway.reason);
    ws.on("close", () => {
      const timer = handshaking.get(ws);
      if (timer !== undefined) clock.clearTimeout(timer);
      handshaking.delete(ws);
    });
    handshaking.set(
      ws,
      clock.setTimeout(() => closeRaw(ws, CLOSE.helloTimeout), helloTimeout),
    );
    ws.once("message", (data, isBinary) => onHello(ws, data, isBinary));
  });

  const ownServer = opts.server === undefined;
  const server = opts.server ?? createServer((_req, res) => res.writeHead(426).end("WebSocket only\n"));
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? "/", "http://bridge.invalid").pathname;
    if (pathname !== path) {
      // On a shared server another listener may own this path; otherwise nobody would answer it.
      if (ownServer || server.listenerCount("upgrade") <= 1) refuse(socket, "404 Not Found");
      return;
    }
    if (closing) return refuse(socket, "503 Service Unavailable");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  };
  server.on("upgrade", onUpgrade);

  if (ownServer) server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1");
  const ready = listening(server).then((address) => ({
    port: address.port,
    url: formatUrl(
      server instanceof TlsServer,
      ownServer ? (opts.host ?? "127.0.0.1") : address.address,
      address.port,
      path,
    ),
  }));
  ready.catch(() => {}); // a failure nobody awaits is not an unhandled rejection

  /** The connection a call goes to, or the error it fails with. */
  const pick = (kind: string, world: string | undefined): Connection | BridgeError => {
    const connected = [...byWorld.keys()];
    if (world !== undefined) return byWorld.get(world) ?? NotConnectedError.absent(kind, world, connected);
    if (connected.length === 0) return NotConnectedError.absent(kind, undefined, connected);
    if (connected.length > 1) return new WorldRequiredError(kind, connected);
    return byWorld.get(connected[0]!)!;
  };

  const count = (kind: string, outcome: "ok" | "failed") => {
    let entry = requestCounts.get(kind);
    if (!entry) {
      entry = { ok: 0, failed: 0 };
      requestCounts.set(kind, entry);
    }
    entry[outcome]++;
  };

  const bridge: Bridge = {
    ready,

    request<T>(kind: string, data?: unknown, options: RequestOptions = {}): Promise<T> {
      if (!isName(kind)) {
        return Promise.reject(
          new BridgeError(
            "BAD_ARGUMENT",
            String(kind),
            options.world,
            `Bridge request kind must be a string of 1 to 64 characters, not ${JSON.stringify(kind)}`,
          ),
        );
      }
      const timeout = options.timeout ?? requestTimeout;
      if (!Number.isFinite(timeout) || timeout <= 0) {
        return Promise.reject(
          new BridgeError(
            "BAD_ARGUMENT",
            kind,
            options.world,
            `Bridge request "${kind}": timeout must be > 0`,
          ),
        );
      }
      const target = pick(kind, options.world);
      if (target instanceof BridgeError) {
        count(kind, "failed");
        return Promise.reject(target);
      }
      return target.request(kind, data, timeout).then(
        (value) => {
          count(kind, "ok");
          return value as T;
        },
        (error: unknown) => {
          count(kind, "failed");
          throw error;
        },
      );
    },

    on(event, fn) {
      let set = eventListeners.get(event);
      if (!set) {
        set = new Set();
        eventListeners.set(event, set);
      }
      const listeners = set;
      const listener = (data: unknown, info: EventInfo) => fn(data, info);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && eventListeners.get(event) === listeners) eventListeners.delete(event);
      };
    },

    onConnection(fn) {
      const listener = (c: ConnectionInfo, connected: boolean) => fn(c, connected);
      connectionListeners.add(listener);
      return () => void connectionListeners.delete(listener);
    },

    get connections() {
      return [...byWorld.values()].map((c) => ({ ...c.info, capabilities: [...c.info.capabilities] }));
    },

    ping(world?: string): Promise<number> {
      const target = pick("ping", world);
      if (target instanceof BridgeError) return Promise.reject(target);
      return target.ping(requestTimeout);
    },

    metrics(): BridgeMetrics {
      // Null-prototype records: every key, even "__proto__", is an own property.
      const requests: BridgeMetrics["requests"] = Object.create(null);
      for (const [kind, c] of requestCounts) requests[kind] = { ...c };
      const drops: BridgeMetrics["dropped"] = Object.create(null);
      for (const [reason, n] of dropped) drops[reason] = n;
      return { framesIn: metrics.framesIn, framesOut: metrics.framesOut, requests, dropped: drops };
    },

    close() {
      closing ??= (async () => {
        const connections = [...byWorld.values()];
        const { code, reason } = CLOSE.goingAway;
        for (const c of connections) c.close(code, reason, "the bridge is closing");
        for (const ws of [...handshaking.keys()]) closeRaw(ws, CLOSE.goingAway);
        const sockets = [...wss.clients];
        const grace = clock.setTimeout(() => {
          for (const ws of sockets) ws.terminate();
        }, CLOSE_GRACE_MS);
        await Promise.all(
          sockets.map((ws) =>
            ws.readyState === ws.CLOSED ? undefined : new Promise<void>((r) => ws.once("close", () => r())),
          ),
        );
        clock.clearTimeout(grace);
        server.off("upgrade", onUpgrade);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        if (ownServer && server.listening) {
          server.closeAllConnections();
          await new Promise<void>((resolve, reject) =>
            server.close((error) => (error ? reject(error) : resolve())),
          );
        }
      })();
      return closing;
    },
  };
  return bridge;
}
