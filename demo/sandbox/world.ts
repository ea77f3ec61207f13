/**
 * The sandbox's world, shared by the server (node), the pages (browser) and the Playwright driver: three
 * users, the consumer module the sandbox plays with, and the shapes exchanged with the frames.
 * Browser-safe: no `node:` imports.
 */
import type { UserSpec } from "../../test/harness/client";

export const GM: UserSpec = { id: "gm", name: "Gamemaster", role: 4 };
export const P1: UserSpec = { id: "p1", name: "Player One", role: 1 };
export const P2: UserSpec = { id: "p2", name: "Player Two", role: 1 };
export const USERS: readonly UserSpec[] = [GM, P1, P2];
export type UserId = "gm" | "p1" | "p2";
export const USER_IDS: readonly UserId[] = ["gm", "p1", "p2"];

/** The consumer module whose channel the sandbox uses (the way another module would use Socket Manager). */
export const SANDBOX_MODULE = "sandbox-table";

/**
 * Socket Manager settings stored in every frame's simulated world: a faster heartbeat than the default, so
 * the status window shows round-trip times within a couple of seconds.
 */
export const SANDBOX_SETTINGS: Record<string, unknown> = { heartbeatInterval: 2000 };

/**
 * With `--bridge`: Socket Manager's reconnection settings, shortened so that the demo shows the backoff and the
 * offline state within seconds (the defaults are 1 s doubling to 30 s, 5 attempts). Offline probing then runs
 * every `maxReconnectionDelay`, 4 s.
 */
export const BRIDGE_DEMO_RECONNECTION = {
  initialReconnectionDelay: 500,
  maxReconnectionDelay: 4_000,
  maxReconnectionAttempts: 3,
} as const;

/** GET /api/config?user=<id> */
export interface FrameConfig {
  user: UserSpec;
  users: UserSpec[];
  /** Where this frame's socket connects: its own cable to the relay (see demo/sandbox/links.ts). */
  relayUrl: string;
  settings: Record<string, unknown>;
  /** Install simulated Foundry documents in this frame (the GM's, with `--bridge`). */
  documents?: boolean;
}

/** GET /api/relay */
export interface RelayInfo {
  running: boolean;
  url: string;
  framesRelayed: number;
  bytesRelayed: number;
  connectedUsers: string[];
  /** User ids whose cable is cut now. */
  cut: string[];
}

export type LogKind = "message" | "request" | "answer" | "flood" | "state" | "presence" | "notice" | "error";

export interface LogEntry {
  at: number;
  kind: LogKind;
  text: string;
  /** Sender's user id, for received messages and requests. */
  from?: string;
  event?: string;
  data?: unknown;
  latencyMs?: number;
}

/** A GM's answer to a player's "roll" request. */
export interface RollAnswer {
  dice: number[];
  total: number;
  rolledBy: string;
}

/** A short, serialisable picture of one frame (what the driver reads). */
export interface FrameSnapshot {
  userId: string;
  ready: boolean;
  error: string | null;
  state: string | null;
  transport: string | null;
  /** Other users this frame's Socket Manager sees connected. */
  peers: number;
  peerRtts: Record<string, number | null>;
  chats: number;
  floodReceived: number;
  requestsHandled: number;
  notifications: string[];
  /** The module's connection indicator, as displayed (text and class list), when found. */
  indicator: { text: string; className: string } | null;
  statusWindowOpen: boolean;
  /** The shared initiative tracker as this frame holds it. */
  initiative: { version: number; round: number; turn: number; synced: boolean } | null;
  /** The frame's bridge to the backend (`api.bridge`), once booted. */
  bridge: BridgeSnapshot | null;
}

/** `api.bridge` of one frame, and the world's actors when the frame has simulated documents. */
export interface BridgeSnapshot {
  state: string;
  attempts: number;
  reconnectAttempts: number;
  rttMs: number | null;
  /** Requests answered, by kind, then by outcome. */
  requests: Record<string, Record<string, number>>;
  /** Every state the bridge went through since boot, oldest first (at most 200). */
  history: { at: number; state: string }[];
  /** `game.actors` (null when the frame has no simulated documents). */
  actors: { id: string; name: string | null; type: string | null }[] | null;
}

/** GET /api/backend (with `--bridge`; 404 without). */
export interface BackendInfo {
  running: boolean;
  pid: number | null;
  /** The bridge's URL; the same across restarts. */
  url: string;
  /** Times the backend process was started. */
  starts: number;
  /** Worlds whose Foundry client is connected to the backend now. */
  connections: string[];
  reconnection: typeof BRIDGE_DEMO_RECONNECTION;
  /** What the backend did, newest last (at most 50). */
  log: BackendLogEntry[];
}

export interface BackendLogEntry {
  at: number;
  ok: boolean;
  text: string;
}

/** POST /api/backend/create-actor: what `world.actors.create` resolved to, or the typed error. */
export type CreateActorOutcome =
  | {
      ok: true;
      name: string;
      ms: number;
      result: { id: string; uuid: string; name: string; type: string | null };
    }
  | { ok: false; name: string; ms: number; error: { name: string; code: string; message: string } };

/** The sandbox's shared state (`channel.shared("initiative")`): the GM's, every player may propose a turn. */
export interface Initiative {
  round: number;
  turn: number;
  combatants: string[];
}

/** `window.sandbox` in each frame. */
export interface SandboxApi {
  readonly user: UserSpec;
  readonly ready: boolean;
  readonly error: string | null;
  readonly log: readonly LogEntry[];
  /** The module's api (`game.modules.get("socket-manager").api`). */
  api(): import("../../src/contract/types").Api | undefined;
  /** Chat to everyone else (or `to`) on the sandbox channel. */
  emit(
    text?: string,
    to?: "others" | "gm" | string[],
  ): Promise<import("../../src/contract/types").EmitReport>;
  /** Ask the GM to roll `dice` d6 (a request answered by the GM's handler). */
  request(dice?: number): Promise<RollAnswer>;
  /** Send `n` messages as fast as possible. */
  flood(n?: number): Promise<{ sent: number; ms: number }>;
  /** Round trip to every peer (`api.test()`). */
  testPeers(): Promise<import("../../src/contract/types").PeerTestResult[]>;
  /** Cut this client's network cable (the server drops its connection and refuses new ones). */
  disconnect(): Promise<void>;
  /** Plug the cable back in; socket.io reconnects by itself. */
  reconnect(): Promise<void>;
  /** Open the module's status window (`window.socketStatus({ window: true })`). */
  /** Next turn of the shared initiative: applied at once on the GM, a proposal to the GM elsewhere. */
  nextTurn(): Promise<number>;
  openStatus(): Promise<boolean>;
  closeStatus(): Promise<void>;
  snapshot(): FrameSnapshot;
}

/**
 * The module's UI inside a frame: the indicator pill (src/ui/indicator.ts: `button.sm-indicator`, state in
 * `data-state` and an `sm-live|sm-reconnecting|sm-local` class) and the status window (src/ui/status-window.ts,
 * an ApplicationV2 with id `socket-manager-status`).
 */
export const UI_SELECTORS = {
  indicator: ".socket-manager.sm-indicator",
  statusWindow: "#socket-manager-status",
} as const;

declare global {
  interface Window {
    /** Set by demo/sandbox/page/frame.ts in each client frame. */
    sandbox?: SandboxApi;
  }
}
