import {
  type Envelope,
  KINDS,
  type Kind,
  MAX_NAME_LENGTH,
  PROTOCOL_VERSION,
  type WireExtras,
  type WireFrame,
} from "./envelope";

/** Why an incoming frame or envelope was refused; every one is counted in metrics. */
export type DecodeDrop = "malformed" | "protocol" | "oversize" | "envelope-shape";

export type DecodeResult =
  | { ok: true; frame: WireFrame; bytes: number }
  | { ok: false; reason: DecodeDrop; bytes: number };

/** Keys a payload may never create: they would reach an object's prototype through later merges. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const RISKY_TEXT = /__proto__|constructor|prototype|\\u/;

function stripForbidden(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

const KIND_CODE: Readonly<Record<Kind, number>> = Object.fromEntries(KINDS.map((k, i) => [k, i])) as Record<
  Kind,
  number
>;

/** The fields most envelopes leave out travel together in one object, or as `0` when there are none. */
function extras(env: Envelope): WireExtras | 0 {
  if (env.t === undefined && env.r === undefined && env.f === undefined && env.o === undefined) return 0;
  const x: WireExtras = {};
  if (env.t !== undefined) x.t = env.t;
  if (env.r !== undefined) x.r = env.r;
  if (env.f !== undefined) x.f = env.f;
  if (env.o !== undefined) x.o = env.o;
  return x;
}

/** One envelope in its wire form: `[q, kind code, channel, event, sent at, extras, payload?]`. */
export function encodeEnvelope(env: Envelope): string {
  const wire: unknown[] = [env.q, KIND_CODE[env.k], env.c, env.e, env.a, extras(env)];
  if (env.d !== undefined) wire.push(env.d);
  return JSON.stringify(wire);
}

/** Joins already-encoded envelopes into one frame without re-serialising them. */
export function encodeFrame(session: string, encodedEnvelopes: readonly string[]): string {
  return `{"v":${PROTOCOL_VERSION},"s":${JSON.stringify(session)},"e":[${encodedEnvelopes.join(",")}]}`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const NON_ASCII = /[\u0080-\uffff]/;
/** Texts up to this many UTF-16 units are measured by encoding them into one reused buffer. */
const SCRATCH_UNITS = 65_536;
let encoder: TextEncoder | undefined;
let scratch: Uint8Array | undefined;

/**
 * UTF-8 size of a string: its length when it is ASCII; else native encoding into a reused scratch buffer (several
 * times faster than a scan in script), or a counting loop for texts too long for the buffer.
 */
export function byteLength(text: string): number {
  // ASCII (most envelopes): one native regex test, far cheaper than encoding, notably in Chromium.
  if (!NON_ASCII.test(text)) return text.length;
  if (text.length <= SCRATCH_UNITS) {
    encoder ??= new TextEncoder();
    // Three bytes per UTF-16 unit is the most UTF-8 can need (a surrogate pair: two units, four bytes).
    scratch ??= new Uint8Array(SCRATCH_UNITS * 3);
    return encoder.encodeInto(text, scratch).written ?? utf8Length(text);
  }
  return utf8Length(text);
}

/** Characters that grow when a string is written as JSON (and lone surrogates, which JSON.stringify escapes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const GROWS_IN_JSON = /["\\\u0000-\u001f\ud800-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
const SURROGATE = /[\ud800-\udfff]/;

type MaybeWellFormed = { isWellFormed?: () => boolean };
/**
 * Whether `text` holds no lone surrogate: String.prototype.isWellFormed (ES2024, native and fast) where the
 * browser has it; elsewhere whether it holds no surrogate at all, which sends text with emoji the slow way.
 */
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as MaybeWellFormed).isWellFormed === "function"
    ? (text) => (text as unknown as Required<MaybeWellFormed>).isWellFormed()
    : (text) => !SURROGATE.test(text);
/** After this many quotes (or backslashes), the count checks how densely they occur. */
const DENSITY_SAMPLE = 256;

/**
 * Occurrences of `char` by native search, or -1 as soon as they turn out dense: a native search costs about as
 * much per hit as a loop in script costs per character, so where hits are closer than a few characters apart
 * (a quote-heavy payload, or JSON in JSON) a plain loop finishes faster.
 */
function countSparse(text: string, char: string): number {
  let count = 0;
  let sampleStart = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) {
    if (++count % DENSITY_SAMPLE !== 0) continue;
    if (i - sampleStart < DENSITY_SAMPLE * 4) return -1;
    sampleStart = i;
  }
  return count;
}

function countInLoop(text: string, quotes: boolean): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c || (quotes && code === 0x22)) count++;
  }
  return count;
}

/** Quotes and backslashes in `text`: each takes one byte more inside a JSON string. */
function countQuotesAndBackslashes(text: string): number {
  const quotes = countSparse(text, '"');
  if (quotes === -1) return countInLoop(text, true);
  const backslashes = countSparse(text, "\\");
  return quotes + (backslashes === -1 ? countInLoop(text, false) : backslashes);
}

/**
 * Bytes JSON's longer escapes add to `text`'s UTF-8 size, from index `from` on: `\b \t \n \f \r` take 2 bytes
 * where UTF-8 takes 1, other control characters 6 (`\u0001`), and a lone surrogate 6 (`\udXXX`, since
 * ES2019) where UTF-8 takes 3 (it is encoded as U+FFFD). Surrogate pairs are left as they are.
 */
function longEscapeGrowth(text: string, from: number): number {
  let extra = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) extra += code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 1 : 5;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    else if (code >= 0xd800 && code <= 0xdfff) extra += 3;
  }
  return extra;
}

/**
 * Bytes `text` takes on the wire when written as a JSON string: exactly the UTF-8 size of
 * `JSON.stringify(text)`, quotes included, for any string (lone surrogates included). A frame is emitted as a
 * string argument, and socket.io writes its packet with JSON.stringify, so this is a frame's real size at the
 * relay: every `"` and `\` doubles, a control character takes 2 or 6 bytes, a lone surrogate 6.
 *
 * Counts instead of building the escaped copy: text with nothing to escape costs one native regex test on
 * top of its UTF-8 size, other text native searches for quotes, backslashes, control characters and lone
 * surrogates, and only text that holds control characters or lone surrogates a scan in script (from the first
 * of them). `utf8`, when the caller already knows `byteLength(text)`, saves measuring it again.
 */
export function wireBytes(text: string, utf8: number = byteLength(text)): number {
  if (!GROWS_IN_JSON.test(text)) return utf8 + 2;
  const bytes = utf8 + 2 + countQuotesAndBackslashes(text);
  let from = text.search(CONTROL_CHARACTER);
  if (!isWellFormed(text)) {
    const surrogate = text.search(SURROGATE);
    if (from === -1 || surrogate < from) from = surrogate;
  }
  return from === -1 ? bytes : bytes + longEscapeGrowth(text, from);
}

/**
 * `wireBytes(jsonText) - 2`, the size of an encoded envelope inside a frame on the wire, for text that
 * JSON.stringify produced: such text holds no raw control characters and no lone surrogates, so only its
 * quotes and backslashes grow, and the regex test for the rest is skipped. `bytes` is its UTF-8 size.
 */
export function jsonWireLength(jsonText: string, bytes: number): number {
  return bytes + countQuotesAndBackslashes(jsonText);
}

/**
 * Wire size of `piece`, a slice of JSON.stringify output, once it is written as a string inside a chunk
 * envelope and that envelope goes out in a frame: `jsonWireLength(JSON.stringify(piece))` without building
 * either copy. Each quote or backslash of the piece becomes 4 bytes (`\"` in the envelope, `\\\"` on the wire)
 * and its own two quotes 4 bytes together. Exact as long as the slice does not split a surrogate pair.
 */
export function pieceWireLength(piece: string): number {
  return byteLength(piece) + 3 * countQuotesAndBackslashes(piece) + 4;
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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
  if (!isPlainObject(parsed)) return { ok: false, reason: "malformed", bytes };
  const frame = parsed;
  if (typeof frame.v !== "number") return { ok: false, reason: "malformed", bytes };
  if (frame.v !== PROTOCOL_VERSION) return { ok: false, reason: "protocol", bytes };
  if (typeof frame.s !== "string" || frame.s.length === 0 || frame.s.length > 64 || !Array.isArray(frame.e)) {
    return { ok: false, reason: "malformed", bytes };
  }
  return { ok: true, frame: frame as unknown as WireFrame, bytes };
}

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME_LENGTH;
}

/** Copies the extras object's fields onto `env`; false when one of them has the wrong shape. */
function readExtras(x: unknown, env: Envelope): boolean {
  if (!isPlainObject(x)) return false;
  const { t, r, f, o } = x;
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
  const env: Envelope = { q, k, c, e, a };
  if (value[5] !== 0 && !readExtras(value[5], env)) return null;
  if (value.length === 7) env.d = value[6];
  return env;
}
