/**
 * The IPC protocol between a parent (demo/run.ts, test/integration/bundle.test.ts) and a child process
 * running the built bundle as one simulated Foundry client (demo/client-process.ts).
 *
 *   parent → child   InitMessage once, then Command { id, cmd, ... }
 *   child  → parent  BootedMessage once (or FatalMessage), then Reply { id, ok, value | error } per command
 */
import type { UserSpec } from "../test/harness/client";

export interface InitMessage {
  type: "init";
  /** Relay url. */
  url: string;
  user: UserSpec;
  users: UserSpec[];
  /** Simulate an active socketlib. */
  socketlib: boolean;
  /** Absolute path of the bundle (default: dist/socket-manager.js of this repository). */
  bundle?: string;
}

export interface ErrorInfo {
  name: string;
  message: string;
  /** SocketManagerError's stable `code`, when present. */
  code?: string;
  /** The key of the `api.errors` class it is an instance of (the most specific), when any. */
  errorClass?: string;
}

/** What the child checked once the bundle booted. */
export interface BootReport {
  userId: string;
  version: string;
  transport: string | null;
  state: string;
  /** `game.modules.get("socket-manager").api === globalThis.SocketManager` */
  apiSame: boolean;
  apiFrozen: boolean;
  /** `socket-manager.ready` fired, with the api as its argument. */
  readyHookFired: boolean;
  readyHookArgIsApi: boolean;
  /** Hooks fired by boot, in order. */
  hooks: string[];
  settingsRegistered: number;
  bootMs: number;
}

export type HandlerMode = "echo" | "sum" | "throw";

/** One message or request seen by a handler in the child. */
export interface SeenRecord {
  kind: "message" | "request";
  moduleId: string;
  event: string;
  data: unknown;
  senderId: string;
  senderName: string;
  latencyMs: number;
  transport: string;
  simulated: boolean;
}

export type RequestOutcome =
  | { ok: true; value: unknown; ms: number }
  | { ok: false; error: ErrorInfo; ms: number };

interface Address {
  moduleId: string;
  event: string;
}

/** Each command's arguments and the value its reply carries. */
export interface CommandMap {
  emit: { args: Address & { data: unknown; opts?: Record<string, unknown> }; result: unknown };
  request: { args: Address & { data: unknown; opts?: Record<string, unknown> }; result: RequestOutcome };
  handle: { args: Address & { mode: HandlerMode }; result: null };
  on: { args: Address; result: null };
  seen: { args: Record<never, never>; result: SeenRecord[] };
  status: { args: Record<never, never>; result: Record<string, unknown> };
  metrics: { args: Record<never, never>; result: Record<string, unknown> };
  quit: { args: Record<never, never>; result: null };
}

export type CommandName = keyof CommandMap;

export type Command = {
  [K in CommandName]: { id: number; cmd: K } & CommandMap[K]["args"];
}[CommandName];

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorInfo };

export type BootedMessage = { type: "booted"; report: BootReport };
export type FatalMessage = { type: "fatal"; error: ErrorInfo };
export type ChildMessage = BootedMessage | FatalMessage | ({ type: "reply" } & Reply);

export function isInitMessage(m: unknown): m is InitMessage {
  return typeof m === "object" && m !== null && (m as { type?: unknown }).type === "init";
}

export function isCommand(m: unknown): m is Command {
  return (
    typeof m === "object" &&
    m !== null &&
    typeof (m as { id?: unknown }).id === "number" &&
    typeof (m as { cmd?: unknown }).cmd === "string"
  );
}
