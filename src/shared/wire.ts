/**
 * What shared states send each other: reserved events on Socket Manager's own channel, each naming the state
 * by module id (`m`) and key (`k`). Every reader returns null for a payload of the wrong shape.
 *
 * - `$sh.p` patch (authority → everyone): epoch `e`, from version `f` to `v`, author `by`, operations `o`;
 *   `pe` when the patch also moves the receiver from epoch `pe` (a handover) to `e`.
 * - `$sh.s` snapshot (authority → some users): epoch, version, author, the whole value `d`.
 * - `$sh.w` want (a client → the authority): "I hold epoch `e`, version `v`": answered with a snapshot when
 *   that is not the authority's; a higher version makes the authority number its next value above it.
 * - `$sh.q` proposal (request to the GM): operations `o`; answered `{ v }` or `{ x: code, m: message }`.
 * - `$sh.v` poll and `$sh.g` fetch (requests from a GM taking over): what a client holds, and its value.
 */
import type { SharedOp } from "../contract/types";
import { MAX_NAME_LENGTH } from "../pipeline/envelope";
import { readPatch } from "./patch";

export const SHARED_EVENTS = {
  patch: "$sh.p",
  snapshot: "$sh.s",
  want: "$sh.w",
  propose: "$sh.q",
  poll: "$sh.v",
  fetch: "$sh.g",
} as const;

/** Highest version a state may reach: far below 2^53, so versions stay exact. */
export const MAX_VERSION = 2 ** 50;
/**
 * Highest version a peer may claim (a want, a player's poll answer): versions grow by one per change, so
 * 2^49 is never reached honestly, and numbering past a claim still leaves 2^49 changes below MAX_VERSION.
 */
export const MAX_CLAIM = 2 ** 49;

export interface StateRef {
  m: string;
  k: string;
}

export interface PatchMessage extends StateRef {
  e: string;
  pe?: string;
  f: number;
  v: number;
  by: string;
  o: SharedOp[];
}

export interface SnapshotMessage extends StateRef {
  e: string;
  v: number;
  by: string;
  d: unknown;
}

export interface WantMessage extends StateRef {
  e: string | null;
  v: number;
}

export interface ProposeMessage extends StateRef {
  o: SharedOp[];
}

/** A refusal travels as a value, so the proposer rebuilds the typed error under its own module's name. */
export type ProposeReply =
  | { v: number }
  | { x: string; m: string; i?: { message: string; path?: PropertyKey[] }[]; r?: 1 };

export interface PollReply {
  e: string | null;
  v: number;
  /** 1 when the client holds the authority's value. */
  s: 0 | 1;
}

export interface FetchReply {
  e: string;
  v: number;
  d: unknown;
}

type Loose = Record<string, unknown>;

function object(raw: unknown): Loose | null {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Loose) : null;
}

function name(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME_LENGTH;
}

export function isVersion(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_VERSION;
}

export function readRef(raw: unknown): StateRef | null {
  const o = object(raw);
  return o && name(o.m) && name(o.k) ? { m: o.m, k: o.k } : null;
}

export function readPatchMessage(raw: unknown): PatchMessage | null {
  const o = object(raw);
  const ref = readRef(raw);
  if (!o || !ref || !name(o.e) || !isVersion(o.f) || !isVersion(o.v) || !name(o.by)) return null;
  if (o.pe !== undefined && !name(o.pe)) return null;
  // A patch moves forward, or (a handover) keeps the version while the epoch changes.
  if (o.v < o.f || (o.v === o.f && o.pe === undefined)) return null;
  const ops = readPatch(o.o);
  if (!ops) return null;
  const out: PatchMessage = { ...ref, e: o.e, f: o.f, v: o.v, by: o.by, o: ops };
  if (o.pe !== undefined) out.pe = o.pe;
  return out;
}

export function readSnapshotMessage(raw: unknown): SnapshotMessage | null {
  const o = object(raw);
  const ref = readRef(raw);
  if (!o || !ref || !name(o.e) || !isVersion(o.v) || !name(o.by) || !("d" in o)) return null;
  return { ...ref, e: o.e, v: o.v, by: o.by, d: o.d };
}

export function readWantMessage(raw: unknown): WantMessage | null {
  const o = object(raw);
  const ref = readRef(raw);
  if (!o || !ref || !isVersion(o.v) || !(o.e === null || name(o.e))) return null;
  return { ...ref, e: o.e, v: o.v };
}

export function readProposeMessage(raw: unknown): ProposeMessage | null {
  const o = object(raw);
  const ref = readRef(raw);
  const ops = o ? readPatch(o.o) : null;
  return ref && ops ? { ...ref, o: ops } : null;
}

export function readPollReply(raw: unknown): PollReply | null {
  const o = object(raw);
  if (!o || !isVersion(o.v) || !(o.e === null || name(o.e)) || (o.s !== 0 && o.s !== 1)) return null;
  return { e: o.e, v: o.v, s: o.s };
}

export function readFetchReply(raw: unknown): FetchReply | null {
  const o = object(raw);
  if (!o || !name(o.e) || !isVersion(o.v) || !("d" in o)) return null;
  return { e: o.e, v: o.v, d: o.d };
}

export function readProposeReply(raw: unknown): ProposeReply | null {
  const o = object(raw);
  if (!o) return null;
  if (isVersion(o.v)) return { v: o.v };
  if (typeof o.x !== "string" || typeof o.m !== "string") return null;
  const out: ProposeReply = { x: o.x, m: o.m };
  if (Array.isArray(o.i)) out.i = o.i as { message: string }[];
  if (o.r === 1) out.r = 1;
  return out;
}
