/**
 * The patch between two shared values (README, "Shared state"): the operations `[path, value]` (set) and
 * `[path]` (delete) that turn one into the other, which src/shared/patch.ts applies.
 */
import type { SharedOp, SharedPathSegment } from "../contract/types";
import { jsonEqual } from "./frozen";
import { isPlainObject } from "./json";

/**
 * How `diff` treats arrays. "index": element by element, with appends and a cut at the end (exact, for a
 * patch applied to the very value it was computed from). "whole": an array that changed is replaced (for a
 * proposal, which the GM may apply to a newer value: an index would then point at another element).
 */
export type ArrayMode = "index" | "whole";

/** The operations that turn `prev` into `next` (both JSON values). Identical parts are not walked. */
export function diff(prev: unknown, next: unknown, arrays: ArrayMode): SharedOp[] {
  const out: SharedOp[] = [];
  diffInto(prev, next, [], out, arrays);
  return out;
}

function diffInto(
  prev: unknown,
  next: unknown,
  path: SharedPathSegment[],
  out: SharedOp[],
  arrays: ArrayMode,
): void {
  if (prev === next) return;
  if (isPlainObject(prev) && isPlainObject(next)) {
    for (const key of Object.keys(prev)) if (!Object.hasOwn(next, key)) out.push([[...path, key]]);
    for (const key of Object.keys(next)) {
      if (Object.hasOwn(prev, key)) diffInto(prev[key], next[key], [...path, key], out, arrays);
      else out.push([[...path, key], next[key]]);
    }
    return;
  }
  if (Array.isArray(prev) && Array.isArray(next)) {
    if (arrays === "whole") {
      if (!jsonEqual(prev, next)) out.push([path, next]);
      return;
    }
    const ops: SharedOp[] = [];
    const common = Math.min(prev.length, next.length);
    for (let i = 0; i < common; i++) diffInto(prev[i], next[i], [...path, i], ops, arrays);
    if (next.length < prev.length) ops.push([[...path, next.length]]);
    for (let i = prev.length; i < next.length; i++) ops.push([[...path, i], next[i]]);
    // Shifted elements (a removal near the front) touch everything: one replacement is smaller.
    if (ops.length >= Math.max(2, next.length)) out.push([path, next]);
    else out.push(...ops);
    return;
  }
  if (!jsonEqual(prev, next)) out.push([path, next]);
}
