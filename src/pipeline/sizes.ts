/**
 * Exact sizes of what JSON.stringify writes, counted without writing it: UTF-8 lengths, strings as JSON
 * (escapes included) and numbers. The send path sizes every frame with these during its one walk over a
 * payload (snapshot.ts), the receive path during its one walk over a frame (incoming.ts).
 */

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const NON_ASCII = /[\u0080-\uffff]/;
/** UTF-16 units encoded per call into one reused buffer; longer texts are encoded a window at a time. */
export const UTF8_WINDOW = 65_536;
let encoder: TextEncoder | undefined;
let scratch: Uint8Array | undefined;

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * UTF-8 size of a string: its length when it is ASCII; else native encoding into a reused scratch buffer, a
 * window at a time for long texts (several times faster than a counting loop in script).
 */
export function byteLength(text: string): number {
  // ASCII (most envelopes): one native regex test, far cheaper than encoding, notably in Chromium.
  if (!NON_ASCII.test(text)) return text.length;
  encoder ??= new TextEncoder();
  // Three bytes per UTF-16 unit is the most UTF-8 can need; one unit more for a window that keeps a pair whole.
  scratch ??= new Uint8Array((UTF8_WINDOW + 1) * 3);
  if (text.length <= UTF8_WINDOW) return encoder.encodeInto(text, scratch).written ?? utf8Length(text);
  let bytes = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + UTF8_WINDOW);
    // A window never ends between the halves of a pair: each half alone would count as a lone surrogate. A lone
    // high surrogate at the edge stays where it is (taking the next unit could split the pair that follows).
    if (
      end < text.length &&
      isHighSurrogate(text.charCodeAt(end - 1)) &&
      isLowSurrogate(text.charCodeAt(end))
    )
      end++;
    const window = text.slice(start, end);
    bytes += encoder.encodeInto(window, scratch).written ?? utf8Length(window);
    start = end;
  }
  return bytes;
}

/** Characters that grow when a string is written as JSON (and lone surrogates, which JSON.stringify escapes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const GROWS_IN_JSON = /["\\\u0000-\u001f\ud800-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
/** Anything but printable ASCII other than `"` and `\`: strings without it take their length plus two quotes. */
const NEEDS_A_CLOSER_LOOK = /[^\u0020\u0021\u0023-\u005b\u005d-\u007f]/;
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
 * Bytes `text` takes as a JSON string: exactly the UTF-8 size of `JSON.stringify(text)`, quotes included, for
 * any string (lone surrogates included). socket.io writes every packet with JSON.stringify, so this is what a
 * string inside a frame costs on the wire: `"` and `\` take 2 bytes, a control character 2 or 6, a lone
 * surrogate 6.
 *
 * Counts instead of building the escaped copy: printable ASCII with nothing to escape (most strings) costs
 * one native regex test; other text native searches for quotes, backslashes, control characters and lone
 * surrogates, and only text that holds control characters or lone surrogates a scan in script (from the first
 * of them). `utf8`, when the caller already knows `byteLength(text)`, saves measuring it again.
 */
export function wireBytes(text: string, utf8?: number): number {
  if (text.length > LONG_TEXT) return longWireBytes(text, utf8);
  return searchedWireBytes(text, utf8);
}

/** `wireBytes` by a few native searches over the whole text. */
function searchedWireBytes(text: string, utf8?: number): number {
  if (!NEEDS_A_CLOSER_LOOK.test(text)) return text.length + 2;
  const bytes = (utf8 ?? byteLength(text)) + 2;
  if (!GROWS_IN_JSON.test(text)) return bytes;
  const grown = bytes + countQuotesAndBackslashes(text);
  let from = text.search(CONTROL_CHARACTER);
  if (!isWellFormed(text)) {
    const surrogate = text.search(SURROGATE);
    if (from === -1 || surrogate < from) from = surrogate;
  }
  return from === -1 ? grown : grown + longEscapeGrowth(text, from);
}

/** Texts at least this long get `printableEscapes`' look first. */
export const PRINTABLE_LOOK = 16_384;
const CONTROLS = Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code));

/**
 * Where `"` and `\` are in `text`, ascending, when it is all printable ASCII (U+0020 to U+007F): as a JSON string
 * it then takes its length, two quotes and one byte for each. Null otherwise, or when they are dense (over one
 * in 64 characters). Native searches only: for a long text about twice as fast as the one-pass scan below.
 */
export function printableEscapes(text: string): number[] | null {
  encoder ??= new TextEncoder();
  scratch ??= new Uint8Array((UTF8_WINDOW + 1) * 3);
  for (let at = 0; at < text.length; at += UTF8_WINDOW) {
    const window = text.slice(at, at + UTF8_WINDOW);
    // Every unit fits a buffer of the window's length only when each takes one byte.
    if (encoder.encodeInto(window, scratch.subarray(0, window.length)).read !== window.length) return null;
  }
  for (const control of CONTROLS) if (text.includes(control)) return null;
  const most = text.length >> 6;
  const quotes = positions(text, '"', most);
  const backslashes = quotes && positions(text, "\\", most - quotes.length);
  if (!quotes || !backslashes) return null;
  return backslashes.length === 0 ? quotes : quotes.concat(backslashes).sort((a, b) => a - b);
}

/** Where `char` occurs in `text`, or null past `most` occurrences. */
function positions(text: string, char: string, most: number): number[] | null {
  const out: number[] = [];
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) {
    if (out.length >= most) return null;
    out.push(i);
  }
  return out;
}

/** Above this length a string is measured in one pass (a chunk of a large message, a big text payload). */
const LONG_TEXT = 4096;
const CLOSER_LOOK_ALL = /[^\u0020\u0021\u0023-\u005b\u005d-\u007f]/g;

/**
 * `wireBytes` of a long string in one pass: a native search jumps from one character that needs a closer look
 * to the next (JSON text holds few: its quotes), every other character taking one byte. Where they turn out
 * dense (text in another script, JSON in JSON), the whole-text searches are faster: it hands over to them.
 */
function longWireBytes(text: string, utf8?: number): number {
  if (text.length >= PRINTABLE_LOOK) {
    const escapes = printableEscapes(text);
    if (escapes) return text.length + 2 + escapes.length;
  }
  let bytes = text.length + 2;
  let hits = 0;
  let sampleStart = 0;
  CLOSER_LOOK_ALL.lastIndex = 0;
  for (let m = CLOSER_LOOK_ALL.exec(text); m !== null; m = CLOSER_LOOK_ALL.exec(text)) {
    const i = m.index;
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 1;
    else if (code < 0x20)
      bytes += code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 1 : 5;
    else if (code < 0x800) bytes += code < 0x80 ? 0 : 1;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // a pair: two units, four bytes
      CLOSER_LOOK_ALL.lastIndex = i + 2;
    } else bytes += code >= 0xd800 && code <= 0xdfff ? 5 : 2;
    if (++hits % DENSITY_SAMPLE !== 0) continue;
    if (i - sampleStart < DENSITY_SAMPLE * 4) return searchedWireBytes(text, utf8);
    sampleStart = i;
  }
  return bytes;
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

/** Characters JSON.stringify writes for a finite number (`-0` is written `0`). */
export function numberBytes(n: number): number {
  if (!Number.isSafeInteger(n)) return String(n).length;
  let digits = 1;
  const magnitude = n < 0 ? -n : n;
  // Powers of ten up to 1e15 are exact doubles, so the comparison never rounds.
  for (let power = 10; power <= magnitude; power *= 10) digits++;
  return n < 0 ? digits + 1 : digits;
}
