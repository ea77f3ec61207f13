/**
 * One simulated Foundry client over a socket it is given (socket.io-client's, or the in-memory world's): its
 * connection to the relay, its own users collection,
 * hooks, notifications and (optionally) simulated socketlib, exposed as a `FoundryEnv`. It is never kinder
 * than Foundry (docs/FOUNDRY.md; test/integration/harness.test.ts pins each fact):
 * - the socket opens before `init`, with Foundry's options (0.5 s fixed retry delay, 10 attempts);
 * - `boot()` runs init → i18nInit → setup → ready; users exist only from `setup`, `ui` only after it;
 * - every socket event from connect until `ready` is recorded and replayed to all listeners just before it;
 * - a reconnect after an outage of 5 s or more reloads the page (this client closes; `onReload` listeners
 *   start its successor); when the ten attempts fail the page navigates away (the client closes);
 * - presence comes over the socket: after its own reconnect the client keeps its stale picture.
 */
import { type Clock, systemClock } from "../../src/clock";
import type {
  FoundryEnv,
  FoundrySocket,
  FoundryUser,
  FoundryUsers,
  NotifyLevel,
  SocketlibSocket,
} from "../../src/foundry/types";
import { SimHooks } from "./hooks";
import { createSimSocketlib, type SimSocketlib } from "./socketlib";
import { waitFor } from "./wait";

export type Role = 1 | 2 | 3 | 4;

export interface UserSpec {
  id: string;
  name: string;
  role: Role;
}

export class SimUser implements FoundryUser {
  /** Connected right now, as this client believes. */
  active = false;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly role: Role,
    readonly isSelf: boolean,
  ) {}

  get isGM(): boolean {
    return this.role >= 3;
  }
}

/** Foundry's `game.users`, as one client sees it. */
export class SimUsers implements FoundryUsers {
  private readonly byId = new Map<string, SimUser>();

  constructor(specs: readonly UserSpec[], selfId: string) {
    for (const s of specs) this.byId.set(s.id, new SimUser(s.id, s.name, s.role, s.id === selfId));
  }

  get(id: string): SimUser | undefined {
    return this.byId.get(id);
  }

  [Symbol.iterator](): Iterator<SimUser> {
    return this.byId.values();
  }

  get contents(): SimUser[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  filter(pred: (u: SimUser) => boolean): SimUser[] {
    return this.contents.filter(pred);
  }

  find(pred: (u: SimUser) => boolean): SimUser | undefined {
    return this.contents.find(pred);
  }

  /** Foundry v12: among active GMs prefer a full GM (role 4) over an assistant, then the lowest id. */
  get activeGM(): SimUser | null {
    const gms = this.filter((u) => u.active && u.isGM);
    gms.sort((a, b) => b.role - a.role || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return gms[0] ?? null;
  }
}

/** Foundry's socket.io options for `game.socket` (docs/FOUNDRY.md, "Foundry owns the connection"). */
export const FOUNDRY_SOCKET_OPTIONS = Object.freeze({
  reconnectionDelay: 500,
  reconnectionDelayMax: 500,
  reconnectionAttempts: 10,
});
/** A reconnect after an outage at least this long reloads the page. */
export const RELOAD_AFTER_OUTAGE_MS = 5000;

/** Where a client is in Foundry's start-up. `ui` is the moment after `setup` when `ui` is built. */
export type Phase = "loading" | "init" | "i18nInit" | "setup" | "ui" | "ready";
const PHASES: readonly Phase[] = ["loading", "init", "i18nInit", "setup", "ui", "ready"];

/** True once `phase` has reached `at`. */
export function reached(phase: Phase, at: Phase): boolean {
  return PHASES.indexOf(phase) >= PHASES.indexOf(at);
}

const NO_USERS: FoundryUsers = {
  get: () => undefined,
  [Symbol.iterator]: () => [][Symbol.iterator](),
  activeGM: null,
};

export interface Notification {
  level: NotifyLevel;
  message: string;
}

type AnyListener = (event: string, ...args: unknown[]) => void;

/**
 * The part of socket.io-client's `Socket` the harness and the tests use: a real one over the socket.io relay,
 * or test/harness/memory-relay.ts's MemorySocket in the in-memory world.
 */
export interface SimSocket {
  readonly connected: boolean;
  /** Connecting or retrying. */
  readonly active: boolean;
  readonly id?: string | undefined;
  emit(event: string, ...args: unknown[]): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener?: (...args: never[]) => void): unknown;
  listeners(event: string): ((...args: never[]) => void)[];
  onAny(listener: AnyListener): unknown;
  prependAny(listener: AnyListener): unknown;
  offAny(listener?: AnyListener): unknown;
  connect(): unknown;
  disconnect(): unknown;
  /** The reconnection manager: `reconnect_attempt`, `reconnect`, `reconnect_failed`. */
  readonly io: {
    on(event: string, listener: (...args: never[]) => void): unknown;
    off(event: string, listener?: (...args: never[]) => void): unknown;
    reconnectionDelay(): number;
    reconnectionDelayMax(): number;
    reconnectionAttempts(): number;
  };
}

/** Builds a client's socket, not connected yet, with Foundry's socket options. */
export type SocketFactory = (userId: string, options: typeof FOUNDRY_SOCKET_OPTIONS) => SimSocket;

export interface SimClientOptions {
  /** Builds the socket. */
  socket: SocketFactory;
  /** The clock outages are timed with (default: the machine's). */
  clock?: Clock;
  /** This client's user (must also appear in `users`, or it is added). */
  user: UserSpec;
  /** Every user of the world. */
  users: readonly UserSpec[];
  /** Simulate an active socketlib (its socket listener starts when a module registers, as in socketlib). */
  socketlib?: boolean;
  /** Connect now and wait for presence (default true). */
  connect?: boolean;
  /** Optional translations for `localize`; unknown keys fall back to the key. */
  translations?: Record<string, string>;
  /** Bound for connect / waitConnected (default 5000 ms). */
  connectTimeout?: number;
}

export interface SimClient {
  /** Reads this client's state like src/foundry/env.ts reads Foundry's: users only from `setup`. */
  readonly env: FoundryEnv;
  /** Where this client is in Foundry's start-up. */
  readonly phase: Phase;
  /** init → i18nInit → setup → (ui) → replay of early socket events → ready. Once only. */
  boot(): Promise<void>;
  /** Called at each phase change (after the change, before that phase's hook fires). */
  onPhase(fn: (phase: Phase) => void): () => void;
  /** Called when Foundry would reload this page (a reconnect after a long outage). The client is closed. */
  onReload(fn: () => void): () => void;
  /** The page reloaded (this client is closed). */
  readonly reloaded: boolean;
  /** Foundry's last reconnection attempt failed: the page navigated away (this client is closed). */
  readonly navigatedAway: boolean;
  /** Socket events recorded before `ready` (and replayed then). */
  readonly replayed: number;
  /** This client's own user object (from its own collection). */
  readonly user: SimUser;
  readonly users: SimUsers;
  readonly socket: SimSocket;
  /** The clock this client lives by (its managers should use it too). */
  readonly clock: Clock;
  readonly hooks: SimHooks;
  readonly notifications: Notification[];
  readonly socketlib: SimSocketlib | null;
  /** True once presence has been received on the current connection. */
  readonly ready: boolean;
  /** Client-side `socket.disconnect()`: socket.io will not reconnect by itself. */
  disconnect(): void;
  /** Connect (again) and wait for presence. */
  connect(): Promise<void>;
  /** Disconnect for good and release everything. */
  close(): void;
  /** True once closed (by `close`, a reload or navigating away). */
  readonly closed: boolean;
  /** Resolve once connected and presence was received (bounded). */
  waitConnected(timeout?: number): Promise<void>;
}

function interpolate(text: string, data?: Record<string, string | number>): string {
  if (!data) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(data, name) ? String(data[name]) : whole,
  );
}

export async function createClient(opts: SimClientOptions): Promise<SimClient> {
  const selfId = opts.user.id;
  const specs = opts.users.some((u) => u.id === selfId) ? opts.users : [...opts.users, opts.user];
  const users = new SimUsers(specs, selfId);
  const self = users.get(selfId)!;
  const hooks = new SimHooks();
  const notifications: Notification[] = [];
  const connectTimeout = opts.connectTimeout ?? 5000;

  const clock = opts.clock ?? systemClock;
  const socket = opts.socket(selfId, FOUNDRY_SOCKET_OPTIONS);

  let phase: Phase = "loading";
  const phaseListeners = new Set<(phase: Phase) => void>();
  const reloadListeners = new Set<() => void>();
  let presenceReceived = false;
  let worldLoaded = false;
  let closed = false;
  let reloaded = false;
  let navigatedAway = false;
  let offlineSince: number | null = null;
  let replayedCount = 0;

  // Foundry records every socket event until `ready` and replays the records to every listener just before it.
  const recorded: unknown[][] = [];
  const record = (...args: unknown[]) => {
    recorded.push(args);
  };
  socket.prependAny(record);

  socket.on("connect", () => {
    self.active = true;
  });
  socket.on("disconnect", () => {
    // Real Foundry keeps its (now stale) idea of who else is connected.
    self.active = false;
    presenceReceived = false;
    offlineSince ??= clock.now();
  });
  socket.io.on("reconnect", () => {
    const since = offlineSince;
    offlineSince = null;
    if (since !== null && clock.now() - since >= RELOAD_AFTER_OUTAGE_MS) reload();
  });
  socket.io.on("reconnect_failed", () => {
    navigatedAway = true;
    client.close();
  });
  socket.on("presence", (ids: unknown) => {
    presenceReceived = true;
    // The world's users arrive once, with the world; a reconnect does not refresh them.
    if (worldLoaded) return;
    worldLoaded = true;
    const list = Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
    for (const u of users) {
      if (u.isSelf) continue;
      u.active = list.includes(u.id);
    }
    self.active = socket.connected;
  });
  socket.on("userActivity", (userId: unknown, data: unknown) => {
    if (typeof userId !== "string" || userId === selfId) return;
    const user = users.get(userId);
    if (!user) return;
    const active = (data as { active?: unknown } | null)?.active === true;
    if (user.active === active) return;
    user.active = active;
    hooks.callAll("userConnected", user, active);
  });

  const foundrySocket = socket as unknown as FoundrySocket;
  const socketlib = opts.socketlib
    ? createSimSocketlib({ socket: foundrySocket, userId: selfId, users })
    : null;

  const setPhase = (next: Phase) => {
    phase = next;
    for (const fn of [...phaseListeners]) fn(next);
  };

  function reload(): void {
    if (closed) return;
    reloaded = true;
    client.close();
    for (const fn of [...reloadListeners]) fn();
  }

  const env: FoundryEnv = {
    userId: selfId,
    get users() {
      return reached(phase, "setup") ? users : NO_USERS;
    },
    get usersLoaded() {
      return reached(phase, "setup");
    },
    socket: foundrySocket,
    hooks,
    // Foundry's settings live on `game` (test/harness/foundry-globals-core.ts): peers started through
    // src/entry.ts read them there; a manager built on this env directly persists nothing.
    settings: null,
    get socketlib() {
      const registered: SocketlibSocket | null = socketlib?.registered("socket-manager") ?? null;
      return { active: socketlib !== null, socket: registered };
    },
    notify(level, message) {
      if (!reached(phase, "ui")) {
        console[level === "info" ? "info" : level](`Socket Manager | ${message}`);
        return;
      }
      notifications.push({ level, message });
    },
    localize(key, data) {
      return interpolate(opts.translations?.[key] ?? key, data);
    },
  };

  const waitConnected = async (timeout = connectTimeout): Promise<void> => {
    await waitFor(() => socket.connected && presenceReceived, {
      timeout,
      message: `client ${selfId} connected with presence`,
    });
  };

  const client: SimClient = {
    env,
    get phase() {
      return phase;
    },
    async boot() {
      if (phase !== "loading") throw new Error(`client ${selfId} booted twice`);
      if (closed) throw new Error(`client ${selfId} is closed`);
      const fire = (name: Phase) => {
        setPhase(name);
        hooks.callAll(name);
      };
      fire("init");
      await Promise.resolve();
      fire("i18nInit");
      await Promise.resolve();
      // Foundry builds the world's documents, users first, between i18nInit and setup.
      fire("setup");
      await Promise.resolve();
      setPhase("ui");
      await Promise.resolve();
      socket.offAny(record);
      replayedCount = recorded.length;
      for (const [event, ...args] of recorded.splice(0)) {
        for (const listener of socket.listeners(event as string))
          (listener as (...a: unknown[]) => void)(...args);
      }
      fire("ready");
      await Promise.resolve();
    },
    onPhase(fn) {
      phaseListeners.add(fn);
      return () => phaseListeners.delete(fn);
    },
    onReload(fn) {
      reloadListeners.add(fn);
      return () => reloadListeners.delete(fn);
    },
    get reloaded() {
      return reloaded;
    },
    get navigatedAway() {
      return navigatedAway;
    },
    get replayed() {
      return replayedCount;
    },
    get closed() {
      return closed;
    },
    user: self,
    users,
    socket,
    clock,
    hooks,
    notifications,
    socketlib,
    get ready() {
      return socket.connected && presenceReceived;
    },
    disconnect() {
      socket.disconnect();
    },
    async connect() {
      if (closed) throw new Error(`client ${selfId} is closed`);
      if (!socket.connected && !socket.active) socket.connect();
      await waitConnected();
    },
    close() {
      if (closed) return;
      closed = true;
      socket.offAny(record);
      socket.disconnect();
      socketlib?.dispose();
    },
    waitConnected,
  };

  if (opts.connect !== false) {
    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw err;
    }
  }
  return client;
}
