/**
 * A whole simulated world over a given network: one relay plus one SimClient per connected user, with joins,
 * leaves, page reloads and an ordering barrier. test/harness/world.ts picks the network (socket.io or memory).
 */
import type { Clock } from "../../src/clock";
import { createClient, type SimClient, type SocketFactory, type UserSpec } from "./client-core";
import { MARKER_EVENT, type Relay } from "./relay-types";
import { waitFor } from "./wait";

let markers = 0;

/** Which relay a world runs on. */
export type Network = "socket.io" | "memory";

/** Calls `fn` every `ms` on `clock` until the returned stop function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let timer: unknown;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    fn();
    timer = clock.setTimeout(tick, ms);
  };
  timer = clock.setTimeout(tick, ms);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}

export interface WorldOptions {
  users: readonly UserSpec[];
  /** "socket.io" (default): a real relay on 127.0.0.1; "memory": in process, in virtual time. */
  network?: Network;
  /** Simulate socketlib on every client. */
  socketlib?: boolean;
  /** Which user ids connect at start (default: all), in this order. */
  connect?: readonly string[];
  /** Relay's per-message limit (default 1e6). */
  maxHttpBufferSize?: number;
  /**
   * The package events the server relays, as Foundry does only for packages whose manifest says
   * `"socket": true` (e.g. `["module.socket-manager", "system.my-system"]`). Default: every package event.
   */
  socketEvents?: readonly string[];
  /** Bound for every wait inside the world (default 5000 ms). */
  timeout?: number;
}

export interface World {
  readonly network: Network;
  readonly relay: Relay;
  /** The world's time: the machine's clock, or the in-memory world's virtual clock. */
  readonly clock: Clock;
  readonly users: readonly UserSpec[];
  /** Live clients by user id (a client removed by `leave` is gone from here). */
  readonly clients: Map<string, SimClient>;
  /** The client of that user; throws when it is not in the world. */
  client(id: string): SimClient;
  /** Connect that user and wait until every other connected client sees it active. */
  join(id: string): Promise<SimClient>;
  /** Close that user's client and wait until every other connected client saw `userConnected(user, false)`. */
  leave(id: string): Promise<void>;
  /** Close every client and stop the relay. */
  close(): Promise<void>;
  /**
   * Called when a client's page reloads (Foundry reloads after a reconnect that followed an outage of 5 s
   * or more): the world has already connected that user's new client, which has not booted yet.
   */
  onReload(fn: (id: string, client: SimClient) => void): () => void;
  /** How many page reloads happened in this world. */
  readonly reloads: number;
  /**
   * Resolves once everything `from`'s socket emitted so far reached every other connected client: a marker
   * follows it, and the relay keeps one sender's order. Use it instead of a sleep to show what did not arrive.
   */
  delivered(from: string): Promise<void>;
}

/** What a world runs on: a relay, the clock everyone lives by, and how a client's socket is built. */
export interface WorldNetwork {
  readonly name: Network;
  readonly relay: Relay;
  readonly clock: Clock;
  readonly socket: SocketFactory;
  /** Called once, after the relay stopped at `close`. */
  readonly release?: () => void;
}

/** A world of `opts.users` over `net`; connects `opts.connect` (default: everyone) in order. */
export async function createWorldOn(net: WorldNetwork, opts: WorldOptions): Promise<World> {
  const { relay, clock } = net;
  const network = net.name;
  let released = false;
  const release = () => {
    if (!released) net.release?.();
    released = true;
  };
  const clients = new Map<string, SimClient>();
  const timeout = opts.timeout ?? 5000;
  const reloadListeners = new Set<(id: string, client: SimClient) => void>();
  let reloads = 0;
  let closing = false;

  const spec = (id: string): UserSpec => {
    const s = opts.users.find((u) => u.id === id);
    if (!s) throw new Error(`no user "${id}" in this world`);
    return s;
  };

  const others = (id: string): SimClient[] =>
    [...clients.entries()].filter(([uid, c]) => uid !== id && c.socket.connected).map(([, c]) => c);

  async function join(id: string): Promise<SimClient> {
    if (clients.has(id)) throw new Error(`user "${id}" already joined`);
    const client = await createClient({
      socket: net.socket,
      user: spec(id),
      users: opts.users,
      socketlib: opts.socketlib,
      connectTimeout: timeout,
      clock,
    });
    const peers = others(id);
    clients.set(id, client);
    client.onReload(() => void reloadClient(id, client));
    await waitFor(() => peers.every((c) => c.users.get(id)?.active === true), {
      timeout,
      message: `every client sees ${id} active`,
    });
    return client;
  }

  async function leave(id: string): Promise<void> {
    const client = clients.get(id);
    if (!client) throw new Error(`user "${id}" is not in the world`);
    const peers = others(id);
    clients.delete(id);
    client.close();
    await waitFor(() => peers.every((c) => c.users.get(id)?.active === false), {
      timeout,
      message: `every client sees ${id} inactive`,
    });
  }

  async function reloadClient(id: string, old: SimClient): Promise<void> {
    if (closing || clients.get(id) !== old) return;
    clients.delete(id);
    reloads++;
    try {
      const fresh = await join(id);
      for (const fn of [...reloadListeners]) fn(id, fresh);
    } catch (err) {
      if (!closing) console.error(`world | the reload of ${id} failed`, err);
    }
  }

  async function close(): Promise<void> {
    closing = true;
    for (const c of clients.values()) c.close();
    clients.clear();
    await relay.stop();
    release();
  }

  try {
    for (const id of opts.connect ?? opts.users.map((u) => u.id)) await join(id);
  } catch (err) {
    await close();
    throw err;
  }

  return {
    network,
    relay,
    clock,
    users: opts.users,
    clients,
    client(id) {
      const c = clients.get(id);
      if (!c) throw new Error(`no client for user "${id}"`);
      return c;
    },
    join,
    leave,
    close,
    async delivered(from) {
      const token = ++markers;
      const others = [...clients].filter(([id, c]) => id !== from && c.socket.connected).map(([, c]) => c);
      let seen = 0;
      const listener = (n: unknown) => {
        if (n === token) seen++;
      };
      for (const c of others) c.socket.on(MARKER_EVENT, listener);
      try {
        const sender = clients.get(from);
        if (!sender) throw new Error(`no client for user "${from}"`);
        sender.socket.emit(MARKER_EVENT, token);
        await waitFor(() => seen === others.length, { timeout, message: `the marker from ${from} arrives` });
      } finally {
        for (const c of others) c.socket.off(MARKER_EVENT, listener);
      }
    },
    onReload(fn) {
      reloadListeners.add(fn);
      return () => reloadListeners.delete(fn);
    },
    get reloads() {
      return reloads;
    },
  };
}
