/**
 * Pure helpers for shared values: JSON-exact deep copies and sizes (deep freezing, equality and the nesting
 * limit: frozen.ts). A shared value must look the same on every client, so it holds only what JSON carries
 * exactly.
 */

import { ValidationError } from "../contract/errors";
import { lastWalkSteps, measureIncoming } from "../pipeline/incoming";
import { byteLength } from "../pipeline/sizes";
import { isReservedKey } from "../pipeline/snapshot";
import { MAX_DEPTH } from "./frozen";

/** Keys no payload carries (receivers refuse them), so no shared value holds one either. */
export { isReservedKey, MAX_DEPTH };

export type JsonObject = { [key: string]: Json };
export type Json = null | boolean | number | string | Json[] | JsonObject;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A fresh deep copy of `value` as JSON carries it: object keys holding `undefined` are left out, `undefined`
 * in an array becomes `null` and `-0` becomes `0`. Throws a ValidationError naming the first part JSON cannot
 * carry exactly (a function, symbol, BigInt, non-finite number, class instance, cycle), a reserved key
 * (`__proto__`, `constructor`, `prototype`), or nesting deeper than {@link MAX_DEPTH}.
 */
export function toJson(value: unknown, what = "value"): Json {
  if (value === undefined) throw new ValidationError(`${what} is undefined; a shared value must be JSON`);
  return copy(value, { what, trail: [], ancestors: new Set(), freeze: false });
}

/** `deepFreeze(toJson(value, what))` in one walk: each part of the copy is frozen as it is made. */
export function frozenJson(value: unknown, what = "value"): Json {
  if (value === undefined) throw new ValidationError(`${what} is undefined; a shared value must be JSON`);
  return copy(value, { what, trail: [], ancestors: new Set(), freeze: true });
}

/** One copy's walk: the keys and indexes down to the part being copied (its path is written only for an error). */
interface Walk {
  readonly what: string;
  readonly trail: (string | number)[];
  readonly ancestors: Set<object>;
  readonly freeze: boolean;
}

function pathOf(walk: Walk): string {
  let path = walk.what;
  for (const seg of walk.trail) path += typeof seg === "number" ? `[${seg}]` : `.${seg}`;
  return path;
}

function copy(value: unknown, walk: Walk): Json {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value))
        throw new ValidationError(`${pathOf(walk)} is ${value}, not a finite number`);
      return value === 0 ? 0 : value;
    case "undefined":
      return null;
    case "object":
      break;
    default:
      throw new ValidationError(`${pathOf(walk)} is a ${typeof value}, which JSON cannot carry`);
  }
  if (value === null) return null;
  const { trail, ancestors } = walk;
  if (trail.length >= MAX_DEPTH)
    throw new ValidationError(`${pathOf(walk)} is nested deeper than ${MAX_DEPTH} levels`);
  if (ancestors.has(value)) throw new ValidationError(`${pathOf(walk)} is a circular reference`);
  ancestors.add(value);
  let out: Json;
  if (Array.isArray(value)) {
    const list: Json[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      trail.push(i);
      list[i] = copy(value[i], walk);
      trail.pop();
    }
    out = list;
  } else if (isPlainObject(value)) {
    const obj: JsonObject = {};
    for (const key of Object.keys(value)) {
      if (isReservedKey(key)) throw new ValidationError(`${pathOf(walk)} has the reserved key "${key}"`);
      const v = value[key];
      if (v === undefined) continue;
      trail.push(key);
      obj[key] = copy(v, walk);
      trail.pop();
    }
    out = obj;
  } else {
    const name = (Object.getPrototypeOf(value)?.constructor as { name?: string } | undefined)?.name;
    throw new ValidationError(
      `${pathOf(walk)} is an instance of ${name || "a class"}; use plain objects and arrays`,
    );
  }
  ancestors.delete(value);
  if (walk.freeze) Object.freeze(out);
  return out;
}

/** A mutable deep copy of a JSON value (frozen or not). */
export function thaw<T>(value: T): T {
  return typeof value === "object" && value !== null ? structuredClone(value) : value;
}

/** What the last `jsonBytes` walk cost, in units of about a microsecond (32 of the walk's steps). */
export function lastJsonBytesWork(): number {
  return lastWalkSteps() >> 5;
}

/**
 * UTF-8 bytes of `value`'s JSON text: counted by the receive path's walk, which writes no text (a shared value
 * is plain JSON); by writing it where the walk declines (nesting past its limit, a value JSON leaves out).
 */
export function jsonBytes(value: unknown): number {
  const counted = measureIncoming(value, Number.MAX_SAFE_INTEGER);
  if (counted >= 0) return counted;
  const text = JSON.stringify(value);
  return text === undefined ? 0 : byteLength(text);
}
