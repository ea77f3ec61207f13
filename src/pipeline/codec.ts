import { type Envelope, type Frame, KINDS, MAX_NAME_LENGTH, PROTOCOL_VERSION } from "./envelope";

/** Why an incoming frame or envelope was refused; every one is counted in metrics. */
export type DecodeDrop = "malformed" | "protocol" | "oversize" | "envelope-shape";

export type DecodeResult =
  | { ok: true; frame: Frame; bytes: number }
  | { ok: false; reason: DecodeDrop; bytes: number };

/** Keys a payload may never create: they would reach an object's prototype through later merges. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const RISKY_TEXT = /__proto__|constructor|prototype|\\u/;

function stripForbidden(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

export function encodeEnvelope(env: Envelope): string {
  return JSON.stringify(env);
}

/** Joins already-encoded envelopes into one frame without re-serialising them. */
export function encodeFrame(session: string, encodedEnvelopes: readonly string[]): string {
  return `{"v":${PROTOCOL_VERSION},"s":${JSON.stringify(session)},"e":[${encodedEnvelopes.join(",")}]}`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 size of a string; a fast path for pure ASCII, which is most traffic. */
export function byteLength(text: string): number {
  return NON_ASCII.test(text) ? utf8Length(text) : text.length;
}

/** UTF-8 byte length of a string, without allocating. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
      i++;
      bytes += 2;
    } else bytes += 2; // the rest of the BMP, and lone surrogates (encoded as U+FFFD: three bytes)
  }
  return bytes;
}

/** JSON.parse that drops prototype-polluting keys; throws on malformed text like JSON.parse does. */
export function parseSafe(text: string): unknown {
  return RISKY_TEXT.test(text) ? JSON.parse(text, stripForbidden) : JSON.parse(text);
}

/**
 * Parses a raw frame. Never throws. Payload keys `__proto__`, `constructor` and `prototype` are removed at
 * any depth (the slow reviver path only runs when the text could contain one, escaped or not).
 */
export function decodeFrame(raw: unknown, maxBytes: number): DecodeResult {
  if (typeof raw !== "string") return { ok: false, reason: "malformed", bytes: 0 };
  const bytes = byteLength(raw);
  if (bytes > maxBytes) return { ok: false, reason: "oversize", bytes };
  let parsed: unknown;
  try {
    parsed = parseSafe(raw);
  } catch {
    return { ok: false, reason: "malformed", bytes };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: "malformed", bytes };
  }
  const frame = parsed as Record<string, unknown>;
  if (typeof frame.v !== "number") return { ok: false, reason: "malformed", bytes };
  if (frame.v !== PROTOCOL_VERSION) return { ok: false, reason: "protocol", bytes };
  if (typeof frame.s !== "string" || frame.s.length === 0 || frame.s.length > 64 || !Array.isArray(frame.e)) {
    return { ok: false, reason: "malformed", bytes };
  }
  return { ok: true, frame: frame as unknown as Frame, bytes };
}

const KIND_SET: ReadonlySet<string> = new Set(KINDS);

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME_LENGTH;
}

/** Structural check of one decoded envelope. */
export function isValidEnvelope(value: unknown): value is Envelope {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const env = value as Record<string, unknown>;
  if (typeof env.q !== "number" || !Number.isSafeInteger(env.q) || env.q < 1) return false;
  if (typeof env.k !== "string" || !KIND_SET.has(env.k)) return false;
  if (!isName(env.c) || !isName(env.e)) return false;
  if (typeof env.a !== "number" || !Number.isFinite(env.a)) return false;
  if (env.t !== undefined) {
    if (!Array.isArray(env.t) || env.t.length > 10_000) return false;
    for (const id of env.t) if (typeof id !== "string") return false;
  }
  if (env.r !== undefined && (typeof env.r !== "string" || env.r.length > 200)) return false;
  if (env.f !== undefined && (typeof env.f !== "number" || !Number.isInteger(env.f))) return false;
  if (env.o !== undefined && (typeof env.o !== "object" || env.o === null || Array.isArray(env.o)))
    return false;
  return true;
}
