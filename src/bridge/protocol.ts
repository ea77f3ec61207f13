/**
 * The bridge's wire protocol, version 1 (docs/BRIDGE.md): JSON text frames over a WebSocket the active GM's
 * client opens to a backend. This file only shapes and checks frames; it does no I/O.
 */

import { isEventName, MAX_NAME } from "./names";

export { isEventName, MAX_NAME };

export const BRIDGE_PROTOCOL = 1;
/** Events in one batch frame. */
export const MAX_BATCH = 1000;

/** What a failed request answers with. */
export type BridgeErrorCode =
  | "NO_HANDLER"
  | "VALIDATION"
  | "PERMISSION"
  | "HANDLER_ERROR"
  | "TOO_LARGE"
  | "RATE_LIMITED"
  | "BAD_REQUEST"
  | "NOT_FOUND";

/** Frames a backend sends. */
export type ServerFrame =
  | { type: "welcome"; v: number; server: string; maxFrameBytes: number }
  | { type: "request"; id: string; kind: string; data: unknown }
  | { type: "ping"; id: string; at: number }
  | { type: "pong"; id: string; at: number };

/** Why an incoming frame was dropped (counted under `bridge-<reason>`). */
export type FrameProblem = "malformed" | "unknown-type" | "too-large";

const isName = isEventName;
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Parses one frame from the backend; never throws. */
export function parseServerFrame(
  text: unknown,
  maxBytes: number,
): { ok: true; frame: ServerFrame } | { ok: false; problem: FrameProblem } {
  // Every UTF-16 unit takes at least one UTF-8 byte: a longer text is too large without measuring it.
  if (typeof text !== "string") return { ok: false, problem: "malformed" };
  if (text.length > maxBytes) return { ok: false, problem: "too-large" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "malformed" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, problem: "malformed" };
  const f = value as Record<string, unknown>;
  switch (f.type) {
    case "welcome":
      return typeof f.v === "number"
        ? {
            ok: true,
            frame: {
              type: "welcome",
              v: f.v,
              server: typeof f.server === "string" ? f.server.slice(0, MAX_NAME) : "",
              maxFrameBytes: isTime(f.maxFrameBytes) && f.maxFrameBytes > 0 ? f.maxFrameBytes : maxBytes,
            },
          }
        : { ok: false, problem: "malformed" };
    case "request":
      return isName(f.id) && isName(f.kind)
        ? { ok: true, frame: { type: "request", id: f.id, kind: f.kind, data: f.data } }
        : { ok: false, problem: "malformed" };
    case "ping":
    case "pong":
      return isName(f.id) && isTime(f.at)
        ? { ok: true, frame: { type: f.type, id: f.id, at: f.at } }
        : { ok: false, problem: "malformed" };
    default:
      return { ok: false, problem: typeof f.type === "string" ? "unknown-type" : "malformed" };
  }
}

export interface HelloInfo {
  world: string;
  user: string;
  module: string;
}

export const frames = {
  hello: (token: string, info: HelloInfo) =>
    JSON.stringify({
      type: "hello",
      v: BRIDGE_PROTOCOL,
      token,
      ...info,
      capabilities: ["request", "event", "ping"],
    }),
  ok: (id: string, data: unknown) => JSON.stringify({ type: "response", id, ok: true, data: data ?? null }),
  error: (id: string, code: BridgeErrorCode, message: string) =>
    JSON.stringify({ type: "response", id, ok: false, error: { code, message } }),
  ping: (id: string, at: number) => JSON.stringify({ type: "ping", id, at }),
  pong: (id: string, at: number) => JSON.stringify({ type: "pong", id, at }),
  // Events are encoded once, at emit: src/bridge/events.ts.
};

/** Close codes after which retrying cannot help (docs/BRIDGE.md, close codes). */
export const REFUSALS: Record<number, string> = {
  4001: "unauthorized",
  4002: "unsupported-version",
  4003: "bad-hello",
  4004: "replaced",
};
