/** The data types of the public API (kept apart from the code that needs the `ws` package). */

/** A Foundry client connected to the bridge (one per world). */
export interface ConnectionInfo {
  /** Foundry world id, from the hello. */
  world: string;
  /** Foundry user id of the client (the active GM), from the hello. */
  user: string;
  /** Socket Manager version of the client, from the hello. */
  module: string;
  /** Capabilities the client announced (`request`, `event`, `ping`). */
  capabilities: string[];
  /** When the hello was accepted (the bridge clock's `now()`). */
  connectedAt: number;
  /** Round trip of the last answered ping, in ms; absent until one was answered. */
  rttMs?: number;
}

/** Who sent an event. */
export interface EventInfo {
  /** The event name. */
  event: string;
  world: string;
  user: string;
  /** When the client sent it (its clock, ms since the epoch). */
  at: number;
}

export interface RequestOptions {
  /** Timeout in ms; default the bridge's `requestTimeout`. */
  timeout?: number;
  /** The world to ask; required when two or more worlds are connected. */
  world?: string;
}

export interface BridgeMetrics {
  /** Frames received on accepted and refused connections, hellos included. */
  framesIn: number;
  /** Frames sent (welcomes, requests, pings, pongs). */
  framesOut: number;
  /** Requests by kind: answered `ok: true`, and failed for any reason (remote error, timeout, not connected). */
  requests: Record<string, { ok: number; failed: number }>;
  /** Refused frames by reason (see `DropReason`). */
  dropped: Record<string, number>;
}
