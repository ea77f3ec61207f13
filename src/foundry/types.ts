/**
 * The slice of Foundry VTT (v12/v13) and socketlib that Socket Manager uses, declared here from public
 * documentation. Only `src/index.ts` and this folder read globals; everything else receives a FoundryEnv.
 */

import type { FoundryUser } from "../contract/types";

/** Foundry's user roles (CONST.USER_ROLES). */
export const UserRole = { PLAYER: 1, TRUSTED: 2, ASSISTANT: 3, GAMEMASTER: 4 } as const;

export type { FoundryUser };

export interface FoundryUsers extends Iterable<FoundryUser> {
  get(id: string): FoundryUser | undefined;
  /** The one designated active GM (v11+); v12 prefers a full GM over an assistant. */
  readonly activeGM?: FoundryUser | null;
}

export type Listener = (...args: never[]) => void;

/** The socket.io v4 client socket behind `game.socket`. */
export interface FoundrySocket {
  readonly connected: boolean;
  emit(event: string, ...args: unknown[]): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener?: (...args: never[]) => void): unknown;
  /**
   * The socket.io Manager: reconnection events live here (`reconnect_attempt`, `reconnect`,
   * `reconnect_failed`). Foundry owns the connection: Socket Manager only listens, never connects.
   */
  readonly io?: {
    on(event: string, listener: (...args: never[]) => void): unknown;
    off(event: string, listener?: (...args: never[]) => void): unknown;
  };
}

export interface FoundryHooks {
  on(name: string, fn: (...args: never[]) => unknown): number;
  once(name: string, fn: (...args: never[]) => unknown): number;
  off(name: string, fnOrId: number | ((...args: never[]) => unknown)): void;
  callAll(name: string, ...args: unknown[]): boolean;
}

/** What socketlib passes as `this` to a handler declared with `function`. */
export interface SocketlibHandlerThis {
  readonly socketdata?: { readonly userId?: string };
}

export type SocketlibHandler = (this: SocketlibHandlerThis, ...args: never[]) => unknown;

/** The socket returned by `socketlib.registerModule(id)`. */
export interface SocketlibSocket {
  register(name: string, fn: SocketlibHandler): void;
  executeAsGM(name: string, ...args: unknown[]): Promise<unknown>;
  executeAsUser(name: string, userId: string, ...args: unknown[]): Promise<unknown>;
  executeForEveryone(name: string, ...args: unknown[]): Promise<void>;
  executeForOthers(name: string, ...args: unknown[]): Promise<void>;
  executeForAllGMs(name: string, ...args: unknown[]): Promise<void>;
  executeForOtherGMs?(name: string, ...args: unknown[]): Promise<void>;
  executeForUsers(name: string, userIds: string[], ...args: unknown[]): Promise<void>;
}

export interface SocketlibGlobal {
  registerModule(id: string): SocketlibSocket | undefined;
}

export type NotifyLevel = "info" | "warn" | "error";

/**
 * The part of `game.settings` Socket Manager uses for values it keeps itself (a shared state's `persist`):
 * hidden world settings, registered when first needed.
 */
export interface FoundrySettingsStore {
  register(
    ns: string,
    key: string,
    config: { name?: string; scope: "world"; config: false; type: typeof Object; default: null },
  ): void;
  get(ns: string, key: string): unknown;
  set(ns: string, key: string, value: unknown): Promise<unknown>;
}

/**
 * Everything Socket Manager needs from the world around it. Built from globals in production
 * (`fromGlobals`), built by hand in tests so several simulated users can live in one process.
 */
export interface FoundryEnv {
  /** This client's user id (`game.userId`). */
  readonly userId: string;
  /**
   * Live users collection (`game.users`), read at every access. Foundry builds it after `init`, just before
   * `setup` (docs/FOUNDRY.md, "Users and GMs"): until then this is an empty collection and `usersLoaded` is
   * false. Never keep a reference to it.
   */
  readonly users: FoundryUsers;
  /** False while Foundry has not built `game.users` yet (before `setup`); undefined means loaded. */
  readonly usersLoaded?: boolean;
  /** `game.socket`, or null when there is no server connection at all. */
  readonly socket: FoundrySocket | null;
  readonly hooks: FoundryHooks;
  /**
   * socketlib as seen from this module: `active` when the socketlib module is enabled, `socket` the socket
   * registered for "socket-manager" at `socketlib.ready` (null when registration failed or did not happen).
   */
  readonly socketlib: { readonly active: boolean; readonly socket: SocketlibSocket | null };
  /** `game.settings` (from `init`); null or absent where there is none (then nothing is persisted). */
  readonly settings?: FoundrySettingsStore | null;
  notify(level: NotifyLevel, message: string): void;
  localize(key: string, data?: Record<string, string | number>): string;
}
