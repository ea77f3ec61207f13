import { keyBytesAt, nameBytes } from "./key-sizes";
import { numberBytes, wireBytes } from "./sizes";
import { isReservedKey, MAX_PAYLOAD_DEPTH } from "./snapshot";

/** An envelope is one array holding its payload, so it nests one level more than a payload may. */
const MAX_ENVELOPE_DEPTH = MAX_PAYLOAD_DEPTH + 1;

/** `measureIncoming`: the value nests too deeply, or holds what JSON cannot carry. */
export const UNSAFE_VALUE = -1;
/** `measureIncoming`: the value is larger than the limit (the walk stopped there). */
export const OVER_LIMIT = -2;
/** `measureIncoming`: the value holds a key `__proto__`, `constructor` or `prototype` (counted apart). */
export const RESERVED_KEY = -3;

let bytes = 0;
let limit = 0;
let over = false;
let reserved = false;
/** False for `checkIncoming`: strings are not measured (the one costly part of the walk). */
let measuring = true;
/** What the walk cost, in steps of about 30 ns (see `lastWalkSteps`). */
let steps = 0;
/** Past this many keys V8 keeps an object as a dictionary, and walking it costs 10 to 20 times more a key. */
const DICTIONARY_KEYS = 1000;

/**
 * What the last walk cost, in steps of about 30 ns (measured: 13–27 ns a key of a small object, 230–580 ns a key
 * of one past DICTIONARY_KEYS, 5–10 ns an array element, 0.4–1.2 ns a character): for a caller that charges
 * someone for the walk (a player's change to a shared value, src/shared/patch.ts).
 */
export function lastWalkSteps(): number {
  return steps;
}

/**
 * The receive path's one walk over a received envelope (or a rebuilt one): its exact size as JSON, and the
 * prototype-key defence. Returns the size, or RESERVED_KEY when a key `__proto__`, `constructor` or
 * `prototype` appears at any depth, UNSAFE_VALUE when nesting passes the payload limit by more than the
 * envelope's own level or something JSON cannot carry appears, or OVER_LIMIT as soon as the size passes
 * `maxBytes`, so a huge value costs no more than `maxBytes` worth of walking. Never throws; recursion is
 * bounded by the depth limit.
 */
export function measureIncoming(value: unknown, maxBytes: number): number {
  begin(maxBytes, true);
  const safe = Array.isArray(value) ? walkEnvelope(value) : walk(value, 0);
  if (!safe) return over ? OVER_LIMIT : reserved ? RESERVED_KEY : UNSAFE_VALUE;
  // Numbers, booleans and null are not checked one by one: a lone one can still pass the limit.
  return bytes <= limit ? bytes : OVER_LIMIT;
}

/**
 * The prototype-key and depth defence of `measureIncoming` without the size: for a value whose size is already
 * known, such as a message rebuilt from chunks that were each measured on arrival. Returns 0 for a safe value,
 * else RESERVED_KEY or UNSAFE_VALUE, as `measureIncoming` would.
 */
export function checkIncoming(value: unknown): 0 | typeof RESERVED_KEY | typeof UNSAFE_VALUE {
  begin(Number.POSITIVE_INFINITY, false);
  try {
    if (walk(value, 0)) return 0;
    return reserved ? RESERVED_KEY : UNSAFE_VALUE;
  } finally {
    measuring = true;
  }
}

/** Resets the walk's state for a new value. */
function begin(maxBytes: number, measure: boolean): void {
  bytes = 0;
  limit = maxBytes;
  over = false;
  reserved = false;
  measuring = measure;
  steps = 0;
}

function overflow(): false {
  over = true;
  return false;
}

/** An envelope's array, as `walk` measures an array, but its channel and event (places 2 and 3) by `nameBytes`. */
function walkEnvelope(list: unknown[]): boolean {
  const n = list.length;
  bytes += n === 0 ? 2 : n + 1;
  if (bytes > limit) return overflow();
  for (let i = 0; i < n; i++) {
    const item = list[i];
    if ((i === 2 || i === 3) && typeof item === "string") {
      bytes += nameBytes(item, i === 2 ? 0 : 1);
      if (bytes > limit) return overflow();
    } else if (!walk(item, 1)) return false;
  }
  return true;
}

function walk(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
      steps += 1 + (value.length >> 5);
      if (measuring) bytes += wireBytes(value);
      return bytes <= limit || overflow();
    case "number":
      if (!Number.isFinite(value)) return false;
      bytes += numberBytes(value);
      return true;
    case "boolean":
      bytes += value ? 4 : 5;
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) {
    bytes += 4;
    return true;
  }
  if (depth >= MAX_ENVELOPE_DEPTH) return false;
  if (Array.isArray(value)) {
    const n = value.length;
    steps += 1 + (n >> 1);
    // Brackets and commas first: a huge array of small items stops here.
    bytes += n === 0 ? 2 : n + 1;
    if (bytes > limit) return overflow();
    for (let i = 0; i < n; i++) if (!walk(value[i], depth + 1)) return false;
    return true;
  }
  let members = 0;
  for (const key in value) {
    if (isReservedKey(key)) {
      reserved = true;
      return false;
    }
    const item = (value as Record<string, unknown>)[key];
    // Only a frame that never left this client (the local transport) can hold one; JSON leaves it out.
    if (item === undefined) continue;
    if (!walk(item, depth + 1)) return false;
    bytes += keyBytesAt(key, depth, members++);
    if (bytes > limit) return overflow();
  }
  steps += members > DICTIONARY_KEYS ? members << 4 : members + 1;
  bytes += members === 0 ? 2 : members + 1;
  return bytes <= limit || overflow();
}
