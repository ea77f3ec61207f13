import { ValidationError } from "../contract/errors";
import { keyBytesAt } from "./key-sizes";
import { numberBytes, wireBytes } from "./sizes";
import { describeUnsafe } from "./validate";

/** Deepest nesting of objects and arrays a payload may have; receivers refuse deeper envelopes. */
export const MAX_PAYLOAD_DEPTH = 100;

/** Keys a payload never carries: they would reach an object's prototype through later merges. */
export function isReservedKey(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

export interface Snapshot {
  /** A fresh copy of the payload, exactly as JSON carries it. */
  readonly value: unknown;
  /** `JSON.stringify(value)`'s UTF-8 size. */
  readonly bytes: number;
}

/** Returned by the walk as soon as something cannot be copied; the careful walk then names it. */
const UNSAFE: unique symbol = Symbol("unsafe");
/** The running size of the walk in progress. */
let bytes = 0;
/** Whether the walk in progress left out a reserved key. */
let reservedKey = false;

/**
 * The send path's one walk over a payload: checks that JSON carries it exactly, copies it, and counts the copy's
 * exact JSON size on the way. The copy is what travels, so a caller that changes its object after `emit` changes
 * nothing that was sent. Like JSON: object keys holding `undefined` are left out, `undefined` in an array
 * becomes `null`, `-0` becomes `0`; keys `__proto__`, `constructor` and `prototype` are left out (receivers
 * refuse envelopes that hold them). Own symbol keys stay in the copy but are never counted or written: JSON
 * leaves them out. Throws a ValidationError naming the first part that cannot travel: a
 * function, symbol, BigInt, non-finite number, class instance (Date, Map…), cycle, or nesting deeper than
 * {@link MAX_PAYLOAD_DEPTH}. `undefined` (no payload) measures 0.
 */
export function snapshot(value: unknown, moduleId: string, event: string): Snapshot {
  if (value === undefined) return { value, bytes: 0 };
  const copy = copyJson(value);
  if (!copy) {
    const problem = describeUnsafe(value, MAX_PAYLOAD_DEPTH) ?? "it cannot be copied";
    throw new ValidationError(`payload is not JSON-safe: ${problem}`, { moduleId, event });
  }
  return copy;
}

/**
 * The walk behind `snapshot`, without its error: the copy and its size, or null when something cannot travel
 * (`describeUnsafe` then names it). `reservedKey` tells whether a key `__proto__`, `constructor` or `prototype`
 * was left out, for a caller that refuses them (a shared value).
 */
export function copyJson(value: unknown): (Snapshot & { readonly reservedKey: boolean }) | null {
  // A getter inside the payload could emit in turn: keep an outer walk's state.
  const outer = bytes;
  const outerReserved = reservedKey;
  bytes = 0;
  reservedKey = false;
  const copy = copyOf(value, 0);
  const result = copy === UNSAFE ? null : { value: copy, bytes, reservedKey };
  bytes = outer;
  reservedKey = outerReserved;
  return result;
}

function copyOf(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case "string":
      bytes += wireBytes(value);
      return value;
    case "number":
      if (!Number.isFinite(value)) return UNSAFE;
      bytes += numberBytes(value);
      return value === 0 ? 0 : value;
    case "boolean":
      bytes += value ? 4 : 5;
      return value;
    case "object":
      if (value === null) {
        bytes += 4;
        return null;
      }
      if (depth >= MAX_PAYLOAD_DEPTH) return UNSAFE;
      return Array.isArray(value) ? copyArray(value, depth + 1) : copyObject(value, depth + 1);
    default:
      return UNSAFE;
  }
}

function copyArray(list: unknown[], depth: number): unknown[] | typeof UNSAFE {
  const n = list.length;
  // Brackets, and a comma between items.
  bytes += n === 0 ? 2 : n + 1;
  // Copied in one piece (slice keeps a plain array's element kind), then each item checked, measured and replaced
  // where JSON changes it.
  const out = list.constructor === Array ? list.slice() : plainCopy(list);
  for (let i = 0; i < n; i++) {
    const item = out[i];
    // A hole too: JSON writes both as null.
    if (item === undefined) {
      bytes += 4;
      out[i] = null;
      continue;
    }
    const copy = copyOf(item, depth);
    if (copy === UNSAFE) return UNSAFE;
    // A nested copy, or 0 for -0; other items stay as they are.
    if (copy !== item || item === 0) out[i] = copy;
  }
  return out;
}

/** `list`'s items in a plain array: `slice` would make an array of a subclass into another one of it. */
function plainCopy(list: unknown[]): unknown[] {
  const out = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}

function copyObject(obj: object, depth: number): Record<string, unknown> | typeof UNSAFE {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return UNSAFE;
  // A spread copy keeps the source's shape (one allocation, its properties in the object itself); its values are
  // then checked and measured in place, and those that are objects replaced by their copies.
  const spread: Record<string, unknown> = { ...obj };
  return copyKeys(spread, spread, depth, bytes);
}

/**
 * Copies `source`'s values, as `for…in` lists its keys, into `out`, counting from `start`. `out` is `source`
 * itself for a spread copy, whose values are replaced in place; there, a key that does not travel (a value
 * `undefined`, a reserved key) starts the copy over into a fresh object, since deleting it would leave the copy a
 * slow dictionary. Elsewhere such keys are left out, as JSON leaves them out. Every value is stored, so a key
 * `for…in` lists from an `Object.prototype` that something added enumerable keys to becomes the copy's own.
 */
function copyKeys(
  source: Record<string, unknown>,
  out: Record<string, unknown>,
  depth: number,
  start: number,
): Record<string, unknown> | typeof UNSAFE {
  bytes = start;
  let members = 0;
  for (const key in source) {
    const item = source[key];
    if (item === undefined || isReservedKey(key)) {
      if (out === source) return copyKeys(source, {}, depth, start);
      if (item !== undefined) reservedKey = true;
      continue;
    }
    const copy = copyOf(item, depth);
    if (copy === UNSAFE) return UNSAFE;
    out[key] = copy;
    // The key, quoted, and its colon.
    bytes += keyBytesAt(key, depth, members++);
  }
  bytes += members === 0 ? 2 : members + 1;
  return out;
}
