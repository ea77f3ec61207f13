/**
 * Sizes of the texts that repeat from message to message, remembered: object keys (by their place in their
 * object, then in a map) and envelopes' channel and event names. Exact whatever came before; bounded in count and
 * in the length of what is kept, since a peer chooses these texts.
 */
import { wireBytes } from "./sizes";

/** Object keys repeat from message to message: their sizes are remembered (a few hundred at most). */
const KEY_CACHE_LIMIT = 512;
const keySizes = new Map<string, number>();
/**
 * The longest text the caches below keep. A peer can send keys (and, before the envelope's shape is checked,
 * names) of any length up to the frame limit: kept, a few hundred of them could hold hundreds of megabytes.
 */
export const CACHED_TEXT_LENGTH = 64;

/**
 * Where keys stood in recent objects: slot `i` holds the key last seen at position `i % 16` of an object at depth
 * `i >> 4`. Payloads of one kind repeat their keys in the same order, so most lookups end in one comparison
 * (object keys are internalised strings: unequal ones differ by identity) instead of a hash lookup.
 */
const SLOTS = 256;
const slotKeys: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
const slotSizes: number[] = new Array<number>(SLOTS).fill(0);

/** `keyBytes(key)` for the key at position `index` of an object at nesting depth `depth`. */
export function keyBytesAt(key: string, depth: number, index: number): number {
  if (key.length > CACHED_TEXT_LENGTH) return wireBytes(key) + 1;
  const slot = ((depth << 4) | (index & 15)) & (SLOTS - 1);
  if (slotKeys[slot] === key) return slotSizes[slot] as number;
  const size = keyBytes(key);
  slotKeys[slot] = key;
  slotSizes[slot] = size;
  return size;
}

const names = ["", ""];
const nameSizes = [2, 2];

/**
 * `wireBytes(name)` for an envelope's channel (`slot` 0) or event (`slot` 1): names repeat from envelope to
 * envelope, so the last one of each is kept with its size and most envelopes are measured by one comparison.
 */
export function nameBytes(name: string, slot: 0 | 1): number {
  if (names[slot] === name) return nameSizes[slot] as number;
  const size = wireBytes(name);
  if (name.length > CACHED_TEXT_LENGTH) return size;
  names[slot] = name;
  nameSizes[slot] = size;
  return size;
}

/** The longest text any of the size caches holds now (for tests of the bound). */
export function longestCachedText(): number {
  let longest = 0;
  for (const text of [...keySizes.keys(), ...slotKeys, ...names])
    longest = Math.max(longest, text?.length ?? 0);
  return longest;
}

/** `wireBytes(key) + 1`: an object key as JSON writes it, quoted, with its colon. */
export function keyBytes(key: string): number {
  if (key.length > CACHED_TEXT_LENGTH) return wireBytes(key) + 1;
  let size = keySizes.get(key);
  if (size === undefined) {
    size = wireBytes(key) + 1;
    if (keySizes.size >= KEY_CACHE_LIMIT) keySizes.clear();
    keySizes.set(key, size);
  }
  return size;
}
