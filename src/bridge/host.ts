/** What the bridge is given by the code that builds it (src/entry.ts), and its bounds. */
import type { Clock } from "../clock";
import type { Logger } from "../log";
import type { HelloInfo } from "./protocol";

/** The part of the browser's WebSocket the bridge uses (Node tests pass the `ws` package's class). */
export interface BridgeSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type BridgeSocketConstructor = new (url: string) => BridgeSocket;

export interface BridgeHost {
  readonly clock: Clock;
  readonly log: Logger;
  limits(): {
    maxReconnectionAttempts: number;
    initialReconnectionDelay: number;
    maxReconnectionDelay: number;
    heartbeatInterval: number;
  };
  /** The backend's URL (a world setting; "" = the bridge is off). */
  url(): string;
  /** The token (a client setting: it never leaves this browser but to the backend). */
  token(): string;
  /** Whether this client is the one that should hold the connection (the active GM). */
  isAuthority(): boolean;
  hello(): HelloInfo;
  socketClass(): BridgeSocketConstructor | undefined;
  notify(level: "info" | "warn" | "error", key: string): void;
  random?: () => number;
}

/** Bounds (docs/BRIDGE.md, Limits). */
export const BRIDGE_LIMITS = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  /** Events kept while the connection is down; the oldest go first. */
  queue: 1000,
  /** Backend requests running at once; more are answered RATE_LIMITED. */
  concurrent: 256,
  /** The backend must answer hello within this. */
  handshakeMs: 10_000,
  /** A connection that lasted this long resets the failure count: the next outage backs off from 1 s again. */
  stableAfterMs: 5_000,
});

/** The URL without credentials or query (a token must never show in the status window or the console). */
export function redact(url: string): string {
  if (url === "") return "";
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
