import type { RawData, WebSocket } from "ws";
import type { Clock } from "./clock.js";
import { BridgeError, NotConnectedError, RemoteError, TimeoutError } from "./errors.js";
import {
  BAD_FRAME_REASONS,
  CLOSE,
  type ClientFrame,
  type Decoded,
  type DropReason,
  decodeClientFrame,
  type EventItem,
  encodeFrame,
  type ServerFrame,
} from "./protocol.js";
import { TokenBucket } from "./rate-limit.js";
import type { ConnectionInfo } from "./types.js";

/** What a connection needs from the bridge that owns it. */
export interface ConnectionHost {
  readonly clock: Clock;
  readonly maxFrameBytes: number;
  readonly rateLimit: { perSecond: number; burst: number };
  readonly pingInterval: number;
  /** Counts a refused frame. */
  drop(reason: DropReason): void;
  /** Counts a frame received (every one, refused or not). */
  frameIn(): void;
  /** Counts a frame sent. */
  frameOut(): void;
  /** An event arrived. */
  event(info: ConnectionInfo, item: EventItem): void;
  /** The connection is gone (closed by either side); called once. */
  gone(connection: Connection): void;
}

/** A connection closes with 4009 when this many frames were refused as bad. */
export const MAX_BAD_FRAMES = 100;

interface Pending {
  kind: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: unknown;
}

interface PendingPing {
  sentAt: number;
  /** Explicit `ping()` calls settle a promise; the interval's own pings only update `rttMs`. */
  resolve?: (rtt: number) => void;
  reject?: (error: Error) => void;
  timer?: unknown;
}

/** Text and UTF-8 size of a received message; null for a binary one. */
export function readText(data: RawData, isBinary: boolean): { text: string; bytes: number } | null {
  if (isBinary) return null;
  const buffer = Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data as ArrayBuffer);
  return { text: buffer.toString("utf8"), bytes: buffer.length };
}

/**
 * One accepted connection (its hello was valid): routes its frames, runs its requests and pings, and counts
 * what it refuses. Created by the bridge right before it sends the welcome.
 */
export class Connection {
  readonly info: ConnectionInfo;
  readonly #ws: WebSocket;
  readonly #host: ConnectionHost;
  readonly #bucket: TokenBucket;
  readonly #requests = new Map<string, Pending>();
  readonly #pings = new Map<string, PendingPing>();
  #nextId = 0;
  #badFrames = 0;
  #intervalPing: string | null = null;
  #pingTimer: unknown = null;
  #gone = false;

  constructor(ws: WebSocket, info: ConnectionInfo, host: ConnectionHost) {
    this.#ws = ws;
    this.info = info;
    this.#host = host;
    this.#bucket = new TokenBucket(host.rateLimit.perSecond, host.rateLimit.burst, host.clock);
    ws.on("message", (data, isBinary) => this.#receive(data, isBinary));
    ws.on("close", (code) => this.#detach(`the connection to world "${info.world}" closed (code ${code})`));
    this.#schedulePing();
  }

  /** False once the connection closed or is closing. */
  get open(): boolean {
    return !this.#gone;
  }

  /** Sends a request; settles with the response data, a RemoteError, a TimeoutError or a NotConnectedError. */
  request(kind: string, data: unknown, timeoutMs: number): Promise<unknown> {
    const world = this.info.world;
    if (this.#gone) return Promise.reject(this.#closedError(kind));
    const id = `r${(++this.#nextId).toString(36)}`;
    const sent = this.#trySend({ type: "request", id, kind, data: data === undefined ? null : data }, kind);
    if (sent) return Promise.reject(sent);
    return new Promise((resolve, reject) => {
      const timer = this.#host.clock.setTimeout(() => {
        this.#requests.delete(id);
        reject(new TimeoutError(kind, world, timeoutMs));
      }, timeoutMs);
      this.#requests.set(id, { kind, resolve, reject, timer });
    });
  }

  /** Sends a ping; resolves with the round trip in ms, or rejects like `request` (kind `"ping"`). */
  ping(timeoutMs: number): Promise<number> {
    const world = this.info.world;
    if (this.#gone) return Promise.reject(this.#closedError("ping"));
    const id = `p${(++this.#nextId).toString(36)}`;
    const sentAt = this.#host.clock.now();
    const sent = this.#trySend({ type: "ping", id, at: sentAt }, "ping");
    if (sent) return Promise.reject(sent);
    return new Promise((resolve, reject) => {
      const timer = this.#host.clock.setTimeout(() => {
        this.#pings.delete(id);
        reject(new TimeoutError("ping", world, timeoutMs));
      }, timeoutMs);
      this.#pings.set(id, { sentAt, resolve, reject, timer });
    });
  }

  /** Closes the connection with `code`; pending requests fail at once with NotConnectedError(`detail`). */
  close(code: number, reason: string, detail: string): void {
    if (this.#gone) return;
    this.#detach(detail);
    this.#ws.close(code, reason);
  }

  #closedError(kind: string): NotConnectedError {
    return new NotConnectedError(
      kind,
      this.info.world,
      `the connection to world "${this.info.world}" is closed`,
    );
  }

  /** Fails everything pending, stops the ping timer and tells the bridge; runs once. */
  #detach(detail: string): void {
    if (this.#gone) return;
    this.#gone = true;
    const { clock } = this.#host;
    if (this.#pingTimer !== null) clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = null;
    const world = this.info.world;
    const requests = [...this.#requests.values()];
    const pings = [...this.#pings.values()];
    this.#requests.clear();
    this.#pings.clear();
    for (const p of requests) {
      clock.clearTimeout(p.timer);
      p.reject(new NotConnectedError(p.kind, world, detail));
    }
    for (const p of pings) {
      if (p.timer !== undefined) clock.clearTimeout(p.timer);
      p.reject?.(new NotConnectedError("ping", world, detail));
    }
    this.#host.gone(this);
  }

  /** Sends a frame; returns the error instead of throwing when it cannot (too large, not serialisable, closed). */
  #trySend(frame: ServerFrame, kind: string): BridgeError | null {
    const world = this.info.world;
    let text: string;
    try {
      text = encodeFrame(frame);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return new BridgeError(
        "BAD_ARGUMENT",
        kind,
        world,
        `Bridge request "${kind}": data is not JSON (${why})`,
      );
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > this.#host.maxFrameBytes) {
      return new BridgeError(
        "TOO_LARGE",
        kind,
        world,
        `Bridge request "${kind}" to world "${world}" is ${bytes} bytes, over maxFrameBytes (${this.#host.maxFrameBytes})`,
      );
    }
    if (this.#ws.readyState !== this.#ws.OPEN) return this.#closedError(kind);
    this.#ws.send(text);
    this.#host.frameOut();
    return null;
  }

  #schedulePing(): void {
    const interval = this.#host.pingInterval;
    if (interval <= 0 || this.#gone) return;
    this.#pingTimer = this.#host.clock.setTimeout(() => {
      this.#pingTimer = null;
      if (this.#gone) return;
      // Only the latest interval ping is awaited: an unanswered one is forgotten, so nothing piles up.
      if (this.#intervalPing !== null) this.#pings.delete(this.#intervalPing);
      const id = `p${(++this.#nextId).toString(36)}`;
      const sentAt = this.#host.clock.now();
      if (this.#trySend({ type: "ping", id, at: sentAt }, "ping") === null) {
        this.#intervalPing = id;
        this.#pings.set(id, { sentAt });
      }
      this.#schedulePing();
    }, interval);
  }

  #drop(reason: DropReason): void {
    this.#host.drop(reason);
    if (!BAD_FRAME_REASONS.has(reason) || this.#gone) return;
    if (++this.#badFrames >= MAX_BAD_FRAMES) {
      const { code, reason: text } = CLOSE.tooManyBadFrames;
      this.close(code, text, `the connection to world "${this.info.world}" sent too many bad frames`);
    }
  }

  #receive(data: RawData, isBinary: boolean): void {
    this.#host.frameIn();
    if (this.#gone) return;
    if (!this.#bucket.take()) return this.#host.drop("rate-limited");
    const message = readText(data, isBinary);
    if (message === null) return this.#drop("binary");
    const decoded: Decoded<ClientFrame> = decodeClientFrame(
      message.text,
      this.#host.maxFrameBytes,
      message.bytes,
    );
    if (!decoded.ok) return this.#drop(decoded.reason);
    const frame = decoded.frame;
    switch (frame.type) {
      case "response": {
        const pending = this.#requests.get(frame.id);
        if (!pending) return this.#host.drop("unknown-response");
        this.#requests.delete(frame.id);
        this.#host.clock.clearTimeout(pending.timer);
        if (frame.ok) pending.resolve(frame.data);
        else
          pending.reject(
            new RemoteError(pending.kind, this.info.world, frame.error.code, frame.error.message),
          );
        return;
      }
      case "event":
        return this.#host.event(this.info, frame);
      case "events":
        for (const item of frame.events) {
          if (this.#gone) return;
          this.#host.event(this.info, item);
        }
        return;
      case "ping":
        this.#trySend({ type: "pong", id: frame.id, at: frame.at }, "pong");
        return;
      case "pong": {
        const pending = this.#pings.get(frame.id);
        if (!pending) return this.#host.drop("unknown-pong");
        this.#pings.delete(frame.id);
        if (frame.id === this.#intervalPing) this.#intervalPing = null;
        if (pending.timer !== undefined) this.#host.clock.clearTimeout(pending.timer);
        const rtt = Math.max(0, this.#host.clock.now() - pending.sentAt);
        this.info.rttMs = rtt;
        pending.resolve?.(rtt);
        return;
      }
    }
  }
}
