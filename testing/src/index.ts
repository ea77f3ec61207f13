/**
 * Socket Manager's testing kit for module authors: a simulated Foundry world in one Node process, in virtual
 * time. Every client is a Foundry page of its own (users from `setup`, early socket events replayed before
 * `ready`, a page reload after an outage of 5 s or more) running Socket Manager, over an in-memory relay with
 * Foundry's rules (a message reaches every other client, stamped with its sender's user id). Your module is
 * loaded into each client before Foundry's `init`, as its script tag would be.
 *
 * Time is virtual: `until`, `advance` and `delivered` move it, and while nothing waits on it, it runs by
 * itself, so a plain `await api.channel(...).request(...)` settles too. A 30-second timeout takes a
 * millisecond, and a test gives the same result on any machine.
 */
import type { Config } from "../../src/config";
import type { Api } from "../../src/contract/types";
import type { FoundryGlobalScope } from "../../src/foundry/globals";
import type { FoundryHooks } from "../../src/foundry/types";
import type { Notification, SimClient, UserSpec } from "../../test/harness/client-core";
import type { SimGame } from "../../test/harness/foundry-globals-core";
import { delivered, type Peer, startPeer } from "../../test/harness/managers";
import { MemoryRelay, MemorySocket } from "../../test/harness/memory-relay";
import { acquireVirtualClock, releaseVirtualClock, type VirtualClock } from "../../test/harness/virtual-time";
import { createWorldOn, type World } from "../../test/harness/world-core";

/** A user of the world: 1 player, 2 trusted, 3 assistant GM, 4 game master. */
export interface TestUser {
  readonly id: string;
  readonly name: string;
  readonly role: 1 | 2 | 3 | 4;
}

export type { Api, Config };

/** The globals one client's page has: what your module reads as `game`, `Hooks`, `ui`, `socketlib`. */
export type ClientGlobals = FoundryGlobalScope & { game: SimGame; Hooks: FoundryHooks };

export interface TestWorldOptions {
  users: readonly TestUser[];
  /** Who is connected at the start, in this order (default: every user). */
  connect?: readonly string[];
  /** Run socketlib on every client (Socket Manager then uses it as its transport). */
  socketlib?: boolean;
  /** Socket Manager's configuration on every client (as a GM would set it). */
  config?: Partial<Config>;
  /**
   * Your module, loaded into each client before Foundry's `init` (again after a page reload): add your hooks
   * to `globals.Hooks`, e.g. `globals.Hooks.once("socket-manager.ready", (api) => ...)`.
   */
  module?: (globals: ClientGlobals, user: TestUser) => void;
  /** Delay of every message through the relay, in virtual ms (default 1). */
  latencyMs?: number;
}

export interface TestClient {
  readonly user: TestUser;
  /** Socket Manager's API on this client (`game.modules.get("socket-manager").api`). */
  readonly api: Api;
  /** This client's globals: `game`, `Hooks`, `ui`... */
  readonly globals: ClientGlobals;
  /** Every `ui.notifications` call on this client, in order. */
  readonly notifications: readonly Notification[];
  /** Connected to the server now. */
  readonly connected: boolean;
}

export interface TestWorld {
  /** The running client of that user (after a page reload, the new one). Throws if the user is not in. */
  client(id: string): TestClient;
  /** Connects a user (a new page: Socket Manager and your module start there). */
  join(id: string): Promise<TestClient>;
  /** Closes a user's page; the others see it leave. */
  leave(id: string): Promise<void>;
  /** Cuts a user's network for `ms` (it retries like Foundry; an outage of 5 s or more reloads its page). */
  cut(id: string, ms: number): void;
  /** Stops the server: every client goes `reconnecting` (and, past ten attempts, leaves the page). */
  stopServer(): Promise<void>;
  restartServer(): Promise<void>;
  /** Resolves once everything `from` has sent so far has been handled by every other client. */
  delivered(from: string): Promise<void>;
  /** Runs virtual time until `condition` holds; rejects after `within` virtual ms (default 5000). */
  until<T>(condition: () => T, within?: number): Promise<NonNullable<T>>;
  /** Lets `ms` of virtual time pass. */
  advance(ms: number): Promise<void>;
  /** Virtual time now (ms since the epoch). */
  now(): number;
  /** Page reloads so far. */
  readonly reloads: number;
  close(): Promise<void>;
}

export async function createTestWorld(opts: TestWorldOptions): Promise<TestWorld> {
  const users: UserSpec[] = opts.users.map((u) => ({ id: u.id, name: u.name, role: u.role }));
  const clock: VirtualClock = acquireVirtualClock();
  const relay = new MemoryRelay(clock, {
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
  });
  const peers = new Map<string, Peer>();
  let world: World | null = null;

  const userOf = (id: string): TestUser => {
    const user = opts.users.find((u) => u.id === id);
    if (!user) throw new Error(`Socket Manager testing | no user "${id}" in this world`);
    return user;
  };

  const start = async (id: string, client: SimClient): Promise<Peer> => {
    const peer = await startPeer(client, opts.config ?? {}, {
      beforeBoot: (scope) => opts.module?.(scope as ClientGlobals, userOf(id)),
    });
    peers.set(id, peer);
    return peer;
  };

  const view = (id: string, peer: Peer): TestClient => ({
    user: userOf(id),
    api: peer.api,
    globals: peer.foundry.scope as ClientGlobals,
    notifications: peer.client.notifications,
    get connected() {
      return peer.client.socket.connected;
    },
  });

  const live = (): World => {
    if (!world) throw new Error("Socket Manager testing | the world is closed");
    return world;
  };

  world = await createWorldOn(
    {
      name: "memory",
      relay,
      clock,
      socket: (userId, options) => new MemorySocket(relay, { userId, ...options }),
      release: () => releaseVirtualClock(clock),
    },
    { users, socketlib: opts.socketlib ?? false, connect: opts.connect ?? users.map((u) => u.id) },
  );
  for (const [id, client] of world.clients) await start(id, client);
  world.onReload((id, client) => {
    peers.get(id)?.manager.dispose();
    peers.get(id)?.foundry.uninstall();
    void start(id, client);
  });

  return {
    client(id) {
      const peer = peers.get(id);
      const client = live().clients.get(id);
      if (!peer || !client || peer.client !== client)
        throw new Error(`Socket Manager testing | user "${id}" has no running client`);
      return view(id, peer);
    },
    async join(id) {
      const client = await live().join(id);
      return view(id, await start(id, client));
    },
    async leave(id) {
      const peer = peers.get(id);
      peers.delete(id);
      peer?.manager.dispose();
      peer?.foundry.uninstall();
      await live().leave(id);
    },
    cut(id, ms) {
      relay.cutUser(id, ms);
    },
    stopServer: () => relay.stop(),
    restartServer: () => relay.restart(),
    delivered: (from) => delivered(peers, from, 30_000),
    until: (condition, within = 5000) => clock.until(condition, { within }),
    advance: (ms) => clock.advance(ms),
    now: () => clock.now(),
    get reloads() {
      return live().reloads;
    },
    async close() {
      for (const peer of peers.values()) {
        peer.manager.dispose();
        peer.foundry.uninstall();
      }
      peers.clear();
      const w = world;
      world = null;
      await w?.close();
    },
  };
}
