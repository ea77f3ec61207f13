/**
 * One simulated Foundry client: its own socket.io-client connection to the relay, its own users collection,
 * hooks, notifications and (optionally) simulated socketlib, exposed as a `FoundryEnv`.
 */
import { io, type Socket } from "socket.io-client";
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

export interface Notification {
  level: NotifyLevel;
  message: string;
}

export interface SimClientOptions {
  /** Relay url. */
  url: string;
  /** This client's user (must also appear in `users`, or it is added). */
  user: UserSpec;
  /** Every user of the world. */
  users: readonly UserSpec[];
  /** Simulate an active socketlib with "socket-manager" registered. */
  socketlib?: boolean;
  /** socket.io reconnection delay (default 50 ms; max delay 200 ms). */
  reconnectionDelay?: number;
  /** Connect now and wait for presence (default true). */
  connect?: boolean;
  /** Optional translations for `localize`; unknown keys fall back to the key. */
  translations?: Record<string, string>;
  /** Bound for connect / waitConnected (default 5000 ms). */
  connectTimeout?: number;
}

export interface SimClient {
  readonly env: FoundryEnv;
  /** This client's own user object (from its own collection). */
  readonly user: SimUser;
  readonly users: SimUsers;
  readonly socket: Socket;
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
  /** Resolve once connected and presence was received (bounded). */
  waitConnected(timeout?: number): Promise<void>;
}

function interpolate(text: string, data?: Record<string, string | number>): string {
  if (!data) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(data, name) ? String(data[name]) : whole,
  );
}

export async function createSimClient(opts: SimClientOptions): Promise<SimClient> {
  const selfId = opts.user.id;
  const specs = opts.users.some((u) => u.id === selfId) ? opts.users : [...opts.users, opts.user];
  const users = new SimUsers(specs, selfId);
  const self = users.get(selfId)!;
  const hooks = new SimHooks();
  const notifications: Notification[] = [];
  const connectTimeout = opts.connectTimeout ?? 5000;
  const reconnectionDelay = opts.reconnectionDelay ?? 50;

  const socket = io(opts.url, {
    auth: { userId: selfId },
    transports: ["websocket"],
    reconnectionDelay,
    reconnectionDelayMax: Math.max(200, reconnectionDelay),
    forceNew: true,
    autoConnect: false,
  });

  let presenceReceived = false;
  let closed = false;

  socket.on("connect", () => {
    self.active = true;
  });
  socket.on("disconnect", () => {
    // Real Foundry keeps its (now stale) idea of who else is connected.
    self.active = false;
    presenceReceived = false;
  });
  socket.on("presence", (ids: unknown) => {
    const list = Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
    // Initial load (or reload after a reconnect): set states without firing hooks.
    for (const u of users) {
      if (u.isSelf) continue;
      u.active = list.includes(u.id);
    }
    self.active = socket.connected;
    presenceReceived = true;
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
  const socketlibSocket: SocketlibSocket | null = socketlib?.registerModule("socket-manager") ?? null;

  const env: FoundryEnv = {
    userId: selfId,
    users,
    socket: foundrySocket,
    hooks,
    socketlib: { active: socketlib !== null, socket: socketlibSocket },
    notify(level, message) {
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
    user: self,
    users,
    socket,
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
