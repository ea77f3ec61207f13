/**
 * Pure patch operations on shared values (README, "Shared state"): a patch is a list of operations applied in
 * order, `[path, value]` to set and `[path]` to delete, so `null` stays a value and nothing is ambiguous.
 * `applyPatch` applies one without touching its input (unchanged parts are shared, new parts frozen) and keeps
 * the value's JSON size up to date, `readPatch` checks one that came over the wire (src/shared/diff.ts computes
 * one).
 */
import { ValidationError } from "../contract/errors";
import type { SharedOp, SharedPatch, SharedPathSegment } from "../contract/types";
import { deepFreeze, MAX_DEPTH, nestsWithin } from "./frozen";
import { isPlainObject, isReservedKey, jsonBytes, lastJsonBytesWork } from "./json";

export type { SharedOp, SharedPatch, SharedPathSegment };

type Container = Record<string, unknown> | unknown[];

/**
 * The containers one `applyPatch` copied: later operations change them in place. An object's keys are counted
 * once, when it is copied, then kept up to date, so each operation costs the same however many keys its object
 * holds. What the copies cost is added to `meter.work` as they are made, in about a microsecond each: an
 * object's key, or sixteen array elements (copying an object costs 0.5–1.2 µs a key, an array 30–60 ns an
 * element, on the benchmark machine).
 */
class Copies {
  readonly #keys = new Map<Container, number>();

  constructor(private readonly meter: PatchMeter) {}

  own(node: Container): Container {
    if (this.#keys.has(node)) return node;
    if (Array.isArray(node)) {
      const copy = node.slice();
      this.#keys.set(copy, 0);
      this.meter.work += 1 + (node.length >> 4);
      return copy;
    }
    const copy = { ...node };
    const keys = Object.keys(copy).length;
    this.#keys.set(copy, keys);
    this.meter.work += 1 + keys;
    return copy;
  }

  /** The keys `node` (a copy made here) holds, before an operation adds (`change` 1) or removes (−1) one. */
  keysBefore(node: Record<string, unknown>, change: 1 | -1): number {
    const count = this.#keys.get(node) ?? Object.keys(node).length;
    this.#keys.set(node, count + change);
    return count;
  }
}

/** What one `applyPatch` cost, counted as it goes (so a patch that fails half-way still reports its work). */
export interface PatchMeter {
  work: number;
}

/** Sizes nothing: for a value whose size is not known, so no change to it is measured either. */
const unmeasured = (_value: unknown): number => 0;

/** What `applyPatch` makes: the value, its JSON size, and the JSON size of the operations themselves. */
export interface Applied<Size extends number | null> {
  value: unknown;
  bytes: Size;
  /** `jsonBytes(ops)`, counted from the sizes measured on the way (each value in `ops` is measured once). */
  patchBytes: Size;
}

/**
 * Applies `ops` to `base` (whose JSON is `baseBytes` long): returns the new value, deeply frozen, sharing
 * every unchanged part with `base`, and the sizes. Values inside `ops` become part of the result (and are
 * frozen): pass values nobody else holds. Throws a ValidationError for an operation that does not fit the
 * value (a path through a missing key or a non-container, an index past the end, a reserved key, a value that
 * would nest deeper than {@link MAX_DEPTH} where it goes); `base` is never changed. With `baseBytes` null (a
 * size nobody measured yet) the sizes stay null and nothing is measured. Each container on an operation's path is
 * copied once per patch; after that, each operation costs its path, its value and the value it replaces or deletes
 * (measured, to keep the size), however many keys the objects it changes hold. `meter.work` grows by what the copies
 * and those measurements cost, failed patches included.
 */
export function applyPatch(
  base: unknown,
  ops: readonly SharedOp[],
  baseBytes: number,
  meter?: PatchMeter,
): Applied<number>;
export function applyPatch(
  base: unknown,
  ops: readonly SharedOp[],
  baseBytes: number | null,
  meter?: PatchMeter,
): Applied<number | null>;
export function applyPatch(
  base: unknown,
  ops: readonly SharedOp[],
  baseBytes: number | null,
  meter: PatchMeter = { work: 0 },
): Applied<number | null> {
  const measure =
    baseBytes === null
      ? unmeasured
      : (value: unknown) => {
          const size = jsonBytes(value);
          meter.work += lastJsonBytesWork();
          return size;
        };
  let root = base;
  let bytes = baseBytes ?? 0;
  // `[` and `]`, and a comma between two operations.
  let patchBytes = 2 + Math.max(0, ops.length - 1);
  const copies = new Copies(meter);
  for (const op of ops) {
    meter.work += 1;
    const path = op[0];
    if (op.length === 2) checkDepth(path, op[1]);
    const size = op.length === 2 ? measure(op[1]) : 0;
    // `[path]` or `[path,value]`.
    patchBytes += 2 + measure(path) + (op.length === 2 ? 1 + size : 0);
    if (path.length === 0) {
      if (op.length < 2) throw new ValidationError("a patch cannot delete the whole value");
      root = op[1];
      bytes = size;
      continue;
    }
    root = copies.own(asContainer(root, path, 0));
    let node = root as Container;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i] as SharedPathSegment;
      const child = copies.own(asContainer(read(node, seg, path, i), path, i + 1));
      (node as Record<SharedPathSegment, unknown>)[seg] = child;
      node = child;
    }
    const last = path[path.length - 1] as SharedPathSegment;
    bytes +=
      op.length === 2
        ? setAt(node, last, op[1], size, path, measure, copies)
        : deleteAt(node, last, path, measure, copies);
  }
  const measured = baseBytes !== null;
  return {
    value: deepFreeze(root),
    bytes: measured ? bytes : null,
    patchBytes: measured ? patchBytes : null,
  };
}

function where(path: readonly SharedPathSegment[], upTo: number): string {
  return JSON.stringify(path.slice(0, upTo));
}

/**
 * Refuses a value that would nest deeper than {@link MAX_DEPTH} where `path` puts it: no message could then carry
 * the state's value, nor a patch the part of it.
 */
function checkDepth(path: readonly SharedPathSegment[], value: unknown): void {
  if (path.length > MAX_DEPTH || !nestsWithin(value, MAX_DEPTH - path.length))
    throw new ValidationError(
      `patch path ${where(path, path.length)}: the value would nest deeper than ${MAX_DEPTH} levels`,
    );
}

function asContainer(value: unknown, path: readonly SharedPathSegment[], at: number): Container {
  if (Array.isArray(value) || isPlainObject(value)) return value;
  throw new ValidationError(
    `patch path ${where(path, path.length)}: ${where(path, at)} is not an object or array`,
  );
}

function read(
  node: Container,
  seg: SharedPathSegment,
  path: readonly SharedPathSegment[],
  at: number,
): unknown {
  if (Array.isArray(node)) {
    if (typeof seg !== "number" || !Number.isInteger(seg) || seg < 0 || seg >= node.length)
      throw new ValidationError(
        `patch path ${where(path, path.length)}: no element ${String(seg)} at ${where(path, at)}`,
      );
    return node[seg];
  }
  if (typeof seg !== "string" || !Object.hasOwn(node, seg))
    throw new ValidationError(
      `patch path ${where(path, path.length)}: no key ${JSON.stringify(seg)} at ${where(path, at)}`,
    );
  return node[seg];
}

/** Sets `node[seg]` to `value` (of `size` JSON bytes); returns the change in JSON bytes (as `measure` counts them). */
function setAt(
  node: Container,
  seg: SharedPathSegment,
  value: unknown,
  size: number,
  path: readonly SharedPathSegment[],
  measure: (value: unknown) => number,
  copies: Copies,
): number {
  if (Array.isArray(node)) {
    if (typeof seg !== "number" || !Number.isInteger(seg) || seg < 0 || seg > node.length)
      throw new ValidationError(
        `patch path ${where(path, path.length)}: cannot set index ${String(seg)} of ${node.length}`,
      );
    if (seg < node.length) {
      const before = measure(node[seg]);
      node[seg] = value;
      return size - before;
    }
    node.push(value);
    return size + (node.length > 1 ? 1 : 0);
  }
  if (typeof seg !== "string" || isReservedKey(seg))
    throw new ValidationError(
      `patch path ${where(path, path.length)}: cannot set key ${JSON.stringify(seg)}`,
    );
  if (Object.hasOwn(node, seg)) {
    const before = measure(node[seg]);
    node[seg] = value;
    return size - before;
  }
  const empty = copies.keysBefore(node, 1) === 0;
  node[seg] = value;
  return measure(seg) + 1 + size + (empty ? 0 : 1);
}

/** Deletes an object key, or cuts an array at `seg`; returns the change in JSON bytes (≤ 0). */
function deleteAt(
  node: Container,
  seg: SharedPathSegment,
  path: readonly SharedPathSegment[],
  measure: (value: unknown) => number,
  copies: Copies,
): number {
  if (Array.isArray(node)) {
    if (typeof seg !== "number" || !Number.isInteger(seg) || seg < 0 || seg > node.length)
      throw new ValidationError(
        `patch path ${where(path, path.length)}: cannot cut at ${String(seg)} of ${node.length}`,
      );
    let removed = 0;
    for (let i = seg; i < node.length; i++) removed += measure(node[i]);
    // Each removed element took a comma with it, but the first one when nothing is left.
    const commas = seg === 0 ? Math.max(0, node.length - 1) : node.length - seg;
    node.length = seg;
    return -(removed + commas);
  }
  if (typeof seg !== "string" || isReservedKey(seg))
    throw new ValidationError(
      `patch path ${where(path, path.length)}: cannot delete key ${JSON.stringify(seg)}`,
    );
  if (!Object.hasOwn(node, seg)) return 0;
  const alone = copies.keysBefore(node, -1) === 1;
  const removed = measure(seg) + 1 + measure(node[seg]) + (alone ? 0 : 1);
  delete node[seg];
  return -removed;
}

/** Most operations one patch from the wire may carry. */
export const MAX_OPS = 100_000;

/**
 * A patch that arrived over the wire, checked for shape (operations of a path of keys and indexes, at most
 * {@link MAX_DEPTH} deep, and at most one value); null when it is not one. Whether it fits a value is
 * `applyPatch`'s question.
 */
export function readPatch(raw: unknown): SharedOp[] | null {
  if (!Array.isArray(raw) || raw.length > MAX_OPS) return null;
  for (const op of raw) {
    if (!Array.isArray(op) || (op.length !== 1 && op.length !== 2)) return null;
    const path: unknown = op[0];
    if (!Array.isArray(path) || path.length > MAX_DEPTH) return null;
    for (const seg of path) {
      if (typeof seg === "string") continue;
      if (typeof seg !== "number" || !Number.isInteger(seg) || seg < 0) return null;
    }
  }
  return raw as SharedOp[];
}
