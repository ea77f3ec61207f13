import {
  type Envelope,
  KINDS,
  type Kind,
  MAX_NAME_LENGTH,
  PROTOCOL_VERSION,
  type WireExtras,
  type WireFrame,
} from "./envelope";
import { measureIncoming, OVER_LIMIT } from "./incoming";
import { nameBytes } from "./key-sizes";
import { byteLength, numberBytes, utf8Length, wireBytes } from "./sizes";
import { snapshot } from "./snapshot";

// Older spellings: other layers (and tests) measure text through the codec.
export { byteLength, utf8Length };

/** Why an incoming frame or envelope was refused; every one is counted in metrics. */
export type DecodeDrop = "malformed" | "protocol" | "oversize" | "envelope-shape";

export type DecodeResult =
  | {
      ok: true;
      frame: WireFrame;
      /** The frame's size as JSON (its envelopes that turned out unsafe not counted). */
      bytes: number;
      /** Each envelope's exact size as JSON, or RESERVED_KEY / UNSAFE_VALUE (incoming.ts) when it must be refused. */
      sizes: number[];
    }
  | { ok: false; reason: DecodeDrop; bytes: number };

const KIND_CODE: Readonly<Record<Kind, number>> = Object.fromEntries(KINDS.map((k, i) => [k, i])) as Record<
  Kind,
  number
>;

/** The fields most envelopes leave out travel together in one object, or as `0` when there are none. */
function extras(env: Envelope): WireExtras | 0 {
  if (
    env.t === undefined &&
    env.r === undefined &&
    env.f === undefined &&
    env.o === undefined &&
    env.w === undefined
  )
    return 0;
  const x: WireExtras = {};
  if (env.t !== undefined) x.t = env.t;
  if (env.r !== undefined) x.r = env.r;
  if (env.f !== undefined) x.f = env.f;
  if (env.o !== undefined) x.o = env.o;
  if (env.w !== undefined) x.w = env.w;
  return x;
}

/** Extras of user ids, a request id, flags and a wait only, each of its type (a stream tag `o` takes the walk). */
function isPlainExtras(x: WireExtras): x is Omit<WireExtras, "o"> {
  if (x.o !== undefined) return false;
  if (x.r !== undefined && typeof x.r !== "string") return false;
  if (x.f !== undefined && !Number.isFinite(x.f)) return false;
  if (x.w !== undefined && !Number.isFinite(x.w)) return false;
  if (x.t !== undefined) for (const id of x.t) if (typeof id !== "string") return false;
  return true;
}

/** `JSON.stringify(x)`'s UTF-8 size for plain extras: `{"t":[…],"r":…,"f":…,"w":…}`. */
function plainExtrasBytes(x: Omit<WireExtras, "o">): number {
  // The braces, and the commas between fields (one less than the fields, added below).
  let bytes = 1;
  if (x.t !== undefined) {
    // `"t":`, the brackets and the commas between ids.
    bytes += 5 + (x.t.length === 0 ? 2 : x.t.length + 1);
    for (const id of x.t) bytes += wireBytes(id);
  }
  if (x.r !== undefined) bytes += 5 + wireBytes(x.r);
  if (x.f !== undefined) bytes += 5 + numberBytes(x.f);
  if (x.w !== undefined) bytes += 5 + numberBytes(x.w);
  return bytes;
}

/** An envelope ready to travel: its wire form and that form's exact size as JSON. */
export interface SealedEnvelope {
  /** `[q, kind code, channel, event, sent at, extras or 0, payload?]`, payload and extras copied. */
  readonly wire: unknown[];
  /** `JSON.stringify(wire)`'s UTF-8 size. */
  readonly bytes: number;
}

/**
 * An envelope in its wire form, sized in the same walk that checks and copies its payload (snapshot.ts): no
 * JSON text is written. Throws a ValidationError when the payload cannot travel as JSON.
 */
export function sealEnvelope(env: Envelope): SealedEnvelope {
  return seal(env, env.d === undefined ? undefined : snapshot(env.d, env.c, env.e));
}

/**
 * A chunk envelope (`d` = `[parent, index, total, piece]`) sealed without walking its piece again: the piece is a
 * slice of text whose size as a JSON string the chunker already measured (`pieceBytes`).
 */
export function sealChunk(
  env: Envelope & { d: [number, number, number, string] },
  pieceBytes: number,
): SealedEnvelope {
  const [parent, index, total, piece] = env.d;
  // Brackets and three commas around the four items.
  const bytes = 5 + numberBytes(parent) + numberBytes(index) + numberBytes(total) + pieceBytes;
  return seal(env, { value: [parent, index, total, piece], bytes });
}

function seal(env: Envelope, payload: { value: unknown; bytes: number } | undefined): SealedEnvelope {
  const x = extras(env);
  // Brackets and five commas, the one-digit kind code, and the fields.
  let bytes = 8 + numberBytes(env.q) + nameBytes(env.c, 0) + nameBytes(env.e, 1) + numberBytes(env.a);
  let wireExtras: unknown = 0;
  if (x === 0) bytes += 1;
  else if (isPlainExtras(x)) {
    // Socket Manager's own fields, sized directly: `x` is a fresh object, and the targets are copied.
    if (x.t !== undefined) x.t = x.t.slice();
    wireExtras = x;
    bytes += plainExtrasBytes(x);
  } else {
    const copy = snapshot(x, env.c, env.e);
    wireExtras = copy.value;
    bytes += copy.bytes;
  }
  // Built whole: pushing a seventh item would reallocate the array's backing store for every envelope.
  if (payload === undefined)
    return { wire: [env.q, KIND_CODE[env.k], env.c, env.e, env.a, wireExtras], bytes };
  const wire = [env.q, KIND_CODE[env.k], env.c, env.e, env.a, wireExtras, payload.value];
  return { wire, bytes: bytes + 1 + payload.bytes };
}

/** One frame as it travels: `{ v, s, e }`, the sender's session and its envelopes in wire form. */
export function wireFrame(session: string, envelopes: unknown[]): WireFrame {
  return { v: PROTOCOL_VERSION, s: session, e: envelopes };
}

/** `{"v":1,"s":"","e":[]}`: a frame's size is this, its session's, its envelopes' and the commas between them. */
const EMPTY_FRAME_BYTES = JSON.stringify(wireFrame("", [])).length;

/** The size as JSON of a frame from `session` holding `count` envelopes of `envelopeBytes` bytes together. */
export function frameBytes(session: string, count: number, envelopeBytes: number): number {
  return EMPTY_FRAME_BYTES - 2 + wireBytes(session) + envelopeBytes + (count > 0 ? count - 1 : 0);
}

/**
 * The text form of an envelope, `JSON.stringify` of its wire form, for tools and tests that write frames by
 * hand (the send path seals envelopes instead). The payload is written as it is (no copy, no checks).
 */
export function encodeEnvelope(env: Envelope): string {
  const wire: unknown[] = [env.q, KIND_CODE[env.k], env.c, env.e, env.a, extras(env)];
  if (env.d !== undefined) wire.push(env.d);
  return JSON.stringify(wire);
}

/**
 * The text form of a frame, from envelopes in text form: exactly `JSON.stringify` of the frame object. Receivers
 * accept it as well as the object (tools and tests write frames by hand this way).
 */
export function encodeFrame(session: string, encodedEnvelopes: readonly string[]): string {
  return `{"v":${PROTOCOL_VERSION},"s":${JSON.stringify(session)},"e":[${encodedEnvelopes.join(",")}]}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function refuse(reason: DecodeDrop, bytes: number): DecodeResult {
  return { ok: false, reason, bytes };
}

/**
 * Checks a received frame: the object socket.io parsed, or the text form. Never throws. Version and shape
 * first, then one walk over each envelope (`measureIncoming`) for its exact size and the prototype-key and depth
 * defence; the walk stops as soon as the frame passes `maxBytes`. An envelope that fails the walk gets size
 * RESERVED_KEY or UNSAFE_VALUE in `sizes`: the frame's other envelopes still count.
 */
export function decodeFrame(raw: unknown, maxBytes: number): DecodeResult {
  let value = raw;
  if (typeof raw === "string") {
    const textBytes = byteLength(raw);
    if (textBytes > maxBytes) return refuse("oversize", textBytes);
    try {
      value = JSON.parse(raw);
    } catch {
      return refuse("malformed", textBytes);
    }
  }
  if (!isPlainObject(value)) return refuse("malformed", 0);
  const { v, s, e } = value;
  if (typeof v !== "number") return refuse("malformed", 0);
  if (v !== PROTOCOL_VERSION) return refuse("protocol", 0);
  if (typeof s !== "string" || s.length === 0 || s.length > 64 || !Array.isArray(e)) {
    return refuse("malformed", 0);
  }
  let bytes = frameBytes(s, e.length, 0);
  if (bytes > maxBytes) return refuse("oversize", bytes);
  const sizes: number[] = [];
  for (const item of e) {
    const size = measureIncoming(item, maxBytes - bytes);
    if (size === OVER_LIMIT) return refuse("oversize", maxBytes + 1);
    sizes.push(size);
    if (size > 0) bytes += size;
  }
  return { ok: true, frame: value as unknown as WireFrame, bytes, sizes };
}

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME_LENGTH;
}

/** Copies the extras object's fields onto `env`; false when one of them has the wrong shape. */
function readExtras(x: unknown, env: Envelope): boolean {
  if (!isPlainObject(x)) return false;
  const { t, r, f, o, w } = x;
  if (t !== undefined) {
    if (!Array.isArray(t) || t.length > 10_000) return false;
    for (const id of t) if (typeof id !== "string") return false;
    env.t = t as string[];
  }
  if (r !== undefined) {
    if (typeof r !== "string" || r.length > 200) return false;
    env.r = r;
  }
  if (f !== undefined) {
    if (typeof f !== "number" || !Number.isInteger(f)) return false;
    env.f = f;
  }
  if (o !== undefined) {
    if (!isPlainObject(o)) return false;
    env.o = o as Envelope["o"];
  }
  if (w !== undefined) {
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) return false;
    env.w = w;
  }
  return true;
}

/**
 * Checks one decoded wire envelope and returns it as an `Envelope`, or null when its shape is wrong.
 * Extras keys this version does not know are ignored, so a later minor addition does not break older peers.
 */
export function readEnvelope(value: unknown): Envelope | null {
  if (!Array.isArray(value) || value.length < 6 || value.length > 7) return null;
  const q: unknown = value[0];
  const code: unknown = value[1];
  const c: unknown = value[2];
  const e: unknown = value[3];
  const a: unknown = value[4];
  if (typeof q !== "number" || !Number.isSafeInteger(q) || q < 1) return null;
  const k = typeof code === "number" && Number.isInteger(code) ? KINDS[code] : undefined;
  if (k === undefined) return null;
  if (!isName(c) || !isName(e)) return null;
  if (typeof a !== "number" || !Number.isFinite(a)) return null;
  // The payload and targets in the literal (undefined when absent): added afterwards, they would cost each
  // envelope a second allocation for its out-of-object properties.
  const d = value.length === 7 ? value[6] : undefined;
  const env: Envelope = { q, k, c, e, a, d, t: undefined };
  if (value[5] !== 0 && !readExtras(value[5], env)) return null;
  return env;
}
