/**
 * Bridge protocol v1: frame types, limits, close codes and the validation of incoming frames.
 *
 * Pure: no I/O, no Node APIs, no clock. Everything here is described in docs/BRIDGE.md, which is the
 * reference for implementations in other languages.
 */

/** The only protocol version this SDK speaks. */
export const PROTOCOL_VERSION = 1;

/** Largest frame either side accepts by default, in UTF-8 bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 1_048_576;

/** Most events in one `events` batch. */
export const MAX_BATCH_EVENTS = 1000;

/** Longest request id, request kind, event name, ping id and error code (in UTF-16 code units). */
export const MAX_NAME_LENGTH = 64;

/** Bounds on the strings of a `hello` frame (UTF-16 code units). */
export const HELLO_LIMITS = {
  token: 4096,
  world: 256,
  user: 64,
  module: 64,
  capabilities: 32,
} as const;

/** WebSocket close codes the server uses, with the reason text sent alongside each. */
export const CLOSE = {
  /** The server shuts down (`bridge.close()`). */
  goingAway: { code: 1001, reason: "server closing" },
  /** A frame above the hard limit (twice `maxFrameBytes`): closed by the WebSocket layer itself. */
  tooLarge: { code: 1009, reason: "frame too large" },
  unauthorized: { code: 4001, reason: "unauthorized" },
  unsupportedVersion: { code: 4002, reason: "unsupported version" },
  badHello: { code: 4003, reason: "bad hello" },
  replaced: { code: 4004, reason: "replaced" },
  helloTimeout: { code: 4008, reason: "hello timeout" },
  tooManyBadFrames: { code: 4009, reason: "too many bad frames" },
} as const;

/** Error codes a Foundry client sends in a failed `response`. */
export const REMOTE_ERROR_CODES = [
  "NO_HANDLER",
  "VALIDATION",
  "PERMISSION",
  "HANDLER_ERROR",
  "TOO_LARGE",
  "RATE_LIMITED",
  "BAD_REQUEST",
  "NOT_FOUND",
] as const;
export type RemoteErrorCode = (typeof REMOTE_ERROR_CODES)[number];

/** Capabilities a v1 client announces. Unknown ones are kept and ignored. */
export const CAPABILITIES = ["request", "event", "ping"] as const;

// ---------------------------------------------------------------------------------------------------------
// Frames

/** Client → server, first frame. */
export interface HelloFrame {
  type: "hello";
  v: number;
  token: string;
  world: string;
  user: string;
  module: string;
  capabilities: string[];
}

/** Server → client, answer to an accepted hello. */
export interface WelcomeFrame {
  type: "welcome";
  v: number;
  server: string;
  maxFrameBytes: number;
}

/** Server → client. */
export interface RequestFrame {
  type: "request";
  id: string;
  kind: string;
  data: unknown;
}

export interface ResponseOkFrame {
  type: "response";
  id: string;
  ok: true;
  data: unknown;
}

export interface ResponseErrorFrame {
  type: "response";
  id: string;
  ok: false;
  error: { code: string; message: string };
}

/** Client → server, answer to a request. */
export type ResponseFrame = ResponseOkFrame | ResponseErrorFrame;

/** One event, alone (`type: "event"`) or inside a batch (without `type`). */
export interface EventItem {
  event: string;
  data: unknown;
  at: number;
}

/** Client → server. */
export interface EventFrame extends EventItem {
  type: "event";
}

/** Client → server: several events in one frame, in order. */
export interface EventsFrame {
  type: "events";
  events: EventItem[];
}

/** Either direction. */
export interface PingFrame {
  type: "ping";
  id: string;
  at: number;
}

/** Either direction: the answer to a ping, with its `id` and `at` unchanged. */
export interface PongFrame {
  type: "pong";
  id: string;
  at: number;
}

/** Frames a server accepts from a connected client (after the hello). */
export type ClientFrame = ResponseFrame | EventFrame | EventsFrame | PingFrame | PongFrame;

/** Frames a server sends. */
export type ServerFrame = WelcomeFrame | RequestFrame | PingFrame | PongFrame;

// ---------------------------------------------------------------------------------------------------------
// Decoding

/**
 * Why an incoming frame was refused. Each is a key of `metrics().dropped`.
 * - `binary`: a binary WebSocket frame (the protocol is text only).
 * - `oversize`: more UTF-8 bytes than `maxFrameBytes`.
 * - `malformed`: not JSON, not a JSON object, or no string `type`.
 * - `unknown-type`: a `type` the receiver does not accept (in this direction, at this point).
 * - `invalid`: a known type with a missing field or a field of the wrong type or length.
 */
export type DecodeDrop = "binary" | "oversize" | "malformed" | "unknown-type" | "invalid";

/** Every reason the server counts in `metrics().dropped`. */
export type DropReason =
  | DecodeDrop
  /** A response whose id matches no pending request (it may have timed out). */
  | "unknown-response"
  /** A pong whose id matches no ping the server is waiting for. */
  | "unknown-pong"
  /** Over the connection's token bucket. */
  | "rate-limited"
  /** The WebSocket layer refused a frame above the hard limit and closed the connection with 1009. */
  | "too-large"
  /** Any other WebSocket-level error (bad UTF-8, bad opcode...): the WebSocket layer closed the connection. */
  | "socket-error";

/** The drop reasons that count towards the `4009 too many bad frames` limit. */
export const BAD_FRAME_REASONS: ReadonlySet<DropReason> = new Set<DropReason>([
  "binary",
  "oversize",
  "malformed",
  "unknown-type",
  "invalid",
]);

export type Decoded<T> = { ok: true; frame: T } | { ok: false; reason: DecodeDrop };

/** Keys that are removed from every parsed object, at any depth (they could reach a prototype later). */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const RISKY_TEXT = /__proto__|constructor|prototype|\\u/;

function stripForbidden(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

/** JSON.parse without `__proto__`, `constructor` and `prototype` keys; throws on malformed text. */
export function parseJson(text: string): unknown {
  // The reviver is slow, so it runs only when the text could contain a forbidden key (maybe \u-escaped).
  return RISKY_TEXT.test(text) ? JSON.parse(text, stripForbidden) : JSON.parse(text);
}

/** Number of bytes `text` takes in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A string of 1 to `max` UTF-16 code units. */
export function isName(v: unknown, max: number = MAX_NAME_LENGTH): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= max;
}

function isTime(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** JSON has no `undefined`: a missing `data` field reads as `null`. */
function dataOf(o: Record<string, unknown>): unknown {
  return o.data === undefined ? null : o.data;
}

/**
 * First step for every text frame: size, then JSON, then an object with a string `type`.
 * `bytes` is the frame's size in UTF-8 bytes when the caller already knows it.
 */
export function decodeObject(
  text: string,
  maxFrameBytes: number,
  bytes?: number,
): Decoded<Record<string, unknown> & { type: string }> {
  // A string of n code units takes at least n bytes, so texts that short need no measuring.
  if (text.length > maxFrameBytes || (bytes ?? utf8Length(text)) > maxFrameBytes) {
    return { ok: false, reason: "oversize" };
  }
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!isPlainObject(parsed) || typeof parsed.type !== "string") return { ok: false, reason: "malformed" };
  return { ok: true, frame: parsed as Record<string, unknown> & { type: string } };
}

/** The outcome of reading a first frame: a hello, or the close code the server answers with. */
export type HelloResult =
  | { ok: true; hello: HelloFrame }
  | { ok: false; close: typeof CLOSE.badHello | typeof CLOSE.unsupportedVersion };

/**
 * Reads the first frame of a connection. Checks shape and version only; the token is checked by the
 * caller (in constant time) once the shape is known to be right.
 * Order: not a JSON object with `type: "hello"` → 4003; `v` a number other than 1 → 4002; any other
 * missing or malformed field (including a `v` that is not a number) → 4003.
 */
export function decodeHello(text: string, maxFrameBytes: number, bytes?: number): HelloResult {
  const bad = { ok: false, close: CLOSE.badHello } as const;
  const first = decodeObject(text, maxFrameBytes, bytes);
  if (!first.ok || first.frame.type !== "hello") return bad;
  const o = first.frame;
  if (typeof o.v !== "number") return bad;
  if (o.v !== PROTOCOL_VERSION) return { ok: false, close: CLOSE.unsupportedVersion };
  if (
    !isName(o.token, HELLO_LIMITS.token) ||
    !isName(o.world, HELLO_LIMITS.world) ||
    !isName(o.user, HELLO_LIMITS.user) ||
    !isName(o.module, HELLO_LIMITS.module) ||
    !Array.isArray(o.capabilities) ||
    o.capabilities.length > HELLO_LIMITS.capabilities ||
    !o.capabilities.every((c) => isName(c))
  ) {
    return bad;
  }
  return {
    ok: true,
    hello: {
      type: "hello",
      v: o.v,
      token: o.token,
      world: o.world,
      user: o.user,
      module: o.module,
      capabilities: [...(o.capabilities as string[])],
    },
  };
}

/** Checks one event (a frame's fields, or an item of a batch); null when a field is wrong. */
export function readEventItem(v: unknown): EventItem | null {
  if (!isPlainObject(v) || !isName(v.event) || !isTime(v.at)) return null;
  return { event: v.event, data: dataOf(v), at: v.at };
}

function readResponse(o: Record<string, unknown>): ResponseFrame | null {
  if (!isName(o.id)) return null;
  if (o.ok === true) return { type: "response", id: o.id, ok: true, data: dataOf(o) };
  if (o.ok !== false) return null;
  const error = o.error;
  if (!isPlainObject(error) || !isName(error.code) || typeof error.message !== "string") return null;
  return { type: "response", id: o.id, ok: false, error: { code: error.code, message: error.message } };
}

/**
 * Decodes a frame a connected client sent to the server. Never throws.
 * Fields a frame does not define are ignored (so later minor additions do not break this version).
 */
export function decodeClientFrame(text: string, maxFrameBytes: number, bytes?: number): Decoded<ClientFrame> {
  const first = decodeObject(text, maxFrameBytes, bytes);
  if (!first.ok) return first;
  const o = first.frame;
  const invalid = { ok: false, reason: "invalid" } as const;
  switch (o.type) {
    case "response": {
      const frame = readResponse(o);
      return frame ? { ok: true, frame } : invalid;
    }
    case "event": {
      const item = readEventItem(o);
      return item ? { ok: true, frame: { type: "event", ...item } } : invalid;
    }
    case "events": {
      // A batch is accepted or refused as a whole.
      if (!Array.isArray(o.events) || o.events.length > MAX_BATCH_EVENTS) return invalid;
      const events: EventItem[] = [];
      for (const raw of o.events) {
        const item = readEventItem(raw);
        if (!item) return invalid;
        events.push(item);
      }
      return { ok: true, frame: { type: "events", events } };
    }
    case "ping":
    case "pong":
      if (!isName(o.id) || !isTime(o.at)) return invalid;
      return { ok: true, frame: { type: o.type, id: o.id, at: o.at } };
    default:
      return { ok: false, reason: "unknown-type" };
  }
}

/** Serialises a frame the server sends. Throws what JSON.stringify throws (cycles, BigInt). */
export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
