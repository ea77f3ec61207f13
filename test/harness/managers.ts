/** Starts a real SocketManager (through its public API) on simulated clients. */
import { createApi } from "../../src/api";
import type { Clock } from "../../src/clock";
import type { Config } from "../../src/config";
import { SocketManager } from "../../src/manager";
import type { Api } from "../../src/types";
import type { SimClient } from "./client";
import type { World } from "./world";

export interface Peer {
  readonly api: Api;
  readonly manager: SocketManager;
  readonly client: SimClient;
}

export function startPeer(
  client: SimClient,
  config: Partial<Config> = {},
  opts: { clock?: Clock } = {},
): Peer {
  const manager = new SocketManager({
    env: client.env,
    config,
    version: "test",
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const api = createApi(manager);
  manager.start();
  return { api, manager, client };
}

/** One started manager per connected client of the world, keyed by user id. */
export function startPeers(world: World, config: Partial<Config> = {}): Map<string, Peer> {
  const peers = new Map<string, Peer>();
  for (const [id, client] of world.clients) peers.set(id, startPeer(client, config));
  return peers;
}

export function stopPeers(peers: Map<string, Peer>): void {
  for (const peer of peers.values()) peer.manager.dispose();
}

/** The peer of `id`; throws (failing the test) when that user has none. */
export function peerOf(peers: Map<string, Peer>, id: string): Peer {
  const peer = peers.get(id);
  if (!peer) throw new Error(`no peer for user "${id}"`);
  return peer;
}
