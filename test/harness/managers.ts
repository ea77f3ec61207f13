/**
 * Starts Socket Manager on simulated clients the way Foundry does: its hooks are installed on a private global
 * scope of the client (src/entry.ts, the same code as the bundle's), then the client boots (init → i18nInit →
 * setup → ready, with users only from setup and early socket events replayed before ready).
 */
import { createApi } from "../../src/api";
import type { Clock } from "../../src/clock";
import type { Config } from "../../src/config";
import type { Api } from "../../src/contract/types";
import { type InstallOptions, installSocketManager } from "../../src/entry";
import type { FoundryGlobalScope } from "../../src/foundry/globals";
import { SocketManager } from "../../src/manager";
import type { SimClient } from "./client-core";
import {
  type FoundryGlobalsHandle,
  type FoundryGlobalsOptions,
  installFoundryGlobals,
} from "./foundry-globals-core";
import { waitFor } from "./wait";
import type { World } from "./world-core";

export interface Peer {
  readonly api: Api;
  readonly manager: SocketManager;
  readonly client: SimClient;
  readonly foundry: FoundryGlobalsHandle;
}

export interface PeerOptions {
  clock?: Clock;
  /** Stored Foundry settings (`"key"` for socket-manager's own, or `"namespace.key"`). */
  settings?: Record<string, unknown>;
  /** The WebSocket class the bridge uses (Node has none of its own in v20: pass `ws`'s). */
  webSocket?: InstallOptions["webSocket"];
  /** The module's version (default "test"). */
  version?: string;
  /** Other packages of the world (see installFoundryGlobals). */
  packages?: Pick<FoundryGlobalsOptions, "modules" | "system">;
  /** Runs after Socket Manager's hooks are installed and before the client boots (e.g. to add handlers at init). */
  beforeBoot?: (scope: FoundryGlobalScope, foundry: FoundryGlobalsHandle) => void;
}

/** Installs Socket Manager on `client` and boots it; resolves after `ready`. */
export async function startPeer(
  client: SimClient,
  config: Partial<Config> = {},
  opts: PeerOptions = {},
): Promise<Peer> {
  const scope: FoundryGlobalScope = {};
  const foundry = installFoundryGlobals(client, {
    scope,
    socketlib: client.socketlib !== null,
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...opts.packages,
  });
  const installed = installSocketManager(scope, {
    version: opts.version ?? "test",
    config,
    clock: opts.clock ?? client.clock,
    ...(opts.webSocket ? { webSocket: opts.webSocket } : {}),
  });
  opts.beforeBoot?.(scope, foundry);
  await foundry.boot();
  const { api, manager } = installed;
  if (!api || !manager) throw new Error(`Socket Manager did not start on ${client.user.id}`);
  return { api, manager, client, foundry };
}

/**
 * One started manager per connected client of the world, keyed by user id. When a client's page reloads, its
 * successor gets a new manager in the same map (the old one is disposed).
 */
export async function startPeers(world: World, config: Partial<Config> = {}): Promise<Map<string, Peer>> {
  const peers = new Map<string, Peer>();
  await Promise.all(
    [...world.clients].map(async ([id, client]) => {
      peers.set(id, await startPeer(client, config));
    }),
  );
  const off = world.onReload((id, client) => {
    peers.get(id)?.manager.dispose();
    void startPeer(client, config).then(
      (peer) => peers.set(id, peer),
      (err) => console.error(`peers | ${id} did not restart after its reload`, err),
    );
  });
  reloadWatchers.set(peers, off);
  return peers;
}

const reloadWatchers = new WeakMap<Map<string, Peer>, () => void>();

export function stopPeers(peers: Map<string, Peer>): void {
  reloadWatchers.get(peers)?.();
  for (const peer of peers.values()) {
    peer.manager.dispose();
    peer.foundry.uninstall();
  }
}

/**
 * A second manager on a client that already booted (its users are loaded): built directly over the client's
 * env, for tests that need two configurations on one user.
 */
export function startExtraManager(client: SimClient, config: Partial<Config> = {}): Omit<Peer, "foundry"> {
  if (client.phase !== "ready") throw new Error("startExtraManager: boot the client first (startPeer)");
  const manager = new SocketManager({ env: client.env, config, version: "test", clock: client.clock });
  const api = createApi(manager);
  manager.start();
  return { api, manager, client };
}

/** The peer of `id`; throws (failing the test) when that user has none. */
export function peerOf(peers: Map<string, Peer>, id: string): Peer {
  const peer = peers.get(id);
  if (!peer) throw new Error(`no peer for user "${id}"`);
  return peer;
}

let barriers = 0;

/**
 * Resolves once everything `from` has sent so far was handled by every other peer in `peers`: it sends a
 * marker after it, and frames from one sender reach each client in order. Use it instead of a sleep to show
 * that something did *not* arrive.
 */
export async function delivered(peers: Map<string, Peer>, from: string, timeout = 5000): Promise<void> {
  const token = ++barriers;
  // A client without a connection cannot receive anything: it is not waited for.
  const others = [...peers].filter(([id, peer]) => id !== from && peer.client.socket.connected);
  const reached = new Set<string>();
  const offs = others.map(([id, peer]) =>
    peer.api.channel("harness-barrier").on("mark", (n) => {
      if (n === token) reached.add(id);
    }),
  );
  try {
    await peerOf(peers, from).api.channel("harness-barrier").emit("mark", token);
    await waitFor(() => reached.size === others.length, {
      timeout,
      message: `the marker from ${from} arrives`,
    });
  } finally {
    for (const off of offs) off();
  }
}
