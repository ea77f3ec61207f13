/**
 * UTF-8 size of a string, for the sizes of shared values. The same count as `byteLength` in
 * src/pipeline/codec.ts (a lone surrogate counts 3 bytes, as U+FFFD), measured faster on large text: native
 * encoding through a small reused buffer, a window at a time, costs a fraction of a regex test for non-ASCII
 * characters over the whole text, and far less than a counting loop once one is found.
 */

/** UTF-16 units encoded per call; the buffer holds three bytes for each, and one more unit (a pair's half). */
export const UTF8_WINDOW = 16_384;
/** Below this length an ASCII test is cheaper than a call into the encoder. */
const SHORT = 1024;
const NON_ASCII = /[\u0080-\uffff]/;

let encoder: TextEncoder | undefined;
let scratch: Uint8Array | undefined;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Bytes of `text` in UTF-8. */
export function utf8Bytes(text: string): number {
  if (text.length < SHORT && !NON_ASCII.test(text)) return text.length;
  encoder ??= new TextEncoder();
  scratch ??= new Uint8Array(3 * (UTF8_WINDOW + 1));
  if (text.length <= UTF8_WINDOW) return encoder.encodeInto(text, scratch).written;
  let bytes = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + UTF8_WINDOW);
    // A window never ends between the halves of a pair: each half alone would count as a lone surrogate.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++;
    bytes += encoder.encodeInto(text.slice(start, end), scratch).written;
    start = end;
  }
  return bytes;
}
