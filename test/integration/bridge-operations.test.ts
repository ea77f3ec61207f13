/**
 * The bridge's built-in world operations end to end: the Node SDK (bridge-sdk/) as the backend on 127.0.0.1
 * with its world-operations client, and simulated Foundry clients running Socket Manager through
 * src/entry.ts, with simulated documents (test/harness/foundry-documents.ts).
 * The operations arrive with the bridge's chunk on the client that loads it (src/bridge/load.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type Bridge,
  createBridge,
  type FetchResult,
  type PushResult,
  RemoteError,
  worldOperations,
} from "../../bridge-sdk/src/index";
import type { BridgeSocketConstructor } from "../../src/bridge/host";
import { WORLD_OPERATION_SETTINGS, type WorldOperationKind } from "../../src/foundry/bridge-settings";
import {
  createWorld,
  type Peer,
  peerOf,
  STANDARD_USERS,
  startPeer,
  stopPeers,
  type World,
  waitFor,
} from "../harness";
import { createSimDocuments, type SimWorldDocuments } from "../harness/foundry-documents";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1"].includes(u.id));
const TOKEN = "world operations token";
const FAST = { initialReconnectionDelay: 50, maxReconnectionDelay: 400, heartbeatInterval: 0 };
const FILES = { data: ["maps/cave.webp", "maps/old/ruin.webp", "tokens/hero.png"] };
const COMPENDIUM = [{ name: "Longsword", type: "weapon", img: "sword.webp" }];

interface OperationsPeer {
  peer: Peer;
  documents: SimWorldDocuments;
}

let world: World | null = null;
let bridge: Bridge | null = null;
const peers = new Map<string, Peer>();

afterEach(async () => {
  stopPeers(peers);
  peers.clear();
  await bridge?.close();
  bridge = null;
  await world?.close();
  world = null;
});

/** Every operation on, except those in `off`. */
function operationSettings(off: readonly WorldOperationKind[] = []): Record<string, boolean> {
  return Object.fromEntries(
    Object.entries(WORLD_OPERATION_SETTINGS).map(([kind, s]) => [
      s.key,
      !off.includes(kind as WorldOperationKind),
    ]),
  );
}

async function startOperationsPeer(id: string, url: string, off: readonly WorldOperationKind[]) {
  const client = world?.client(id);
  if (!client) throw new Error(`no client ${id}`);
  const documents = createSimDocuments({ files: FILES, compendiumItems: COMPENDIUM });
  const peer = await startPeer(client, FAST, {
    settings: { bridgeUrl: url, bridgeToken: TOKEN, ...operationSettings(off) },
    webSocket: WebSocket as unknown as BridgeSocketConstructor,
    beforeBoot(s, foundry) {
      documents.install(s, foundry.game, () => foundry.booted.includes("setup"));
    },
  });
  peers.set(id, peer);
  return { peer, documents } satisfies OperationsPeer;
}

async function start(off: readonly WorldOperationKind[] = []) {
  bridge = createBridge({ token: TOKEN, path: "/foundry" });
  const { url } = await bridge.ready;
  world = await createWorld({ users: USERS, connect: ["gm1", "p1"] });
  const gm = await startOperationsPeer("gm1", url, off);
  const player = await startOperationsPeer("p1", url, off);
  const b = bridge;
  await waitFor(() => b.connections.length === 1 && gm.peer.api.bridge.state === "connected");
  return { bridge: b, gm, player, world: worldOperations(b) };
}

async function remoteError(promise: Promise<unknown>): Promise<RemoteError> {
  const e = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RemoteError);
  return e as RemoteError;
}

describe("world operations over the bridge, with the Node SDK's world client", () => {
  it("a round trip for each of the nine operations", async () => {
    const { gm, world: w } = await start();
    const hero = await w.actors.create({ name: "Hero", type: "character", system: { hp: 12 } });
    expect(hero).toEqual({
      id: expect.any(String),
      uuid: `Actor.${hero.id}`,
      name: "Hero",
      type: "character",
    });
    const fetched: FetchResult = await w.actors.get({ uuid: hero.uuid });
    expect(fetched.document).toMatchObject({ name: "Hero", system: { hp: 12 } });
    await w.actors.create({ name: "Goblin", type: "npc" });
    const listed = await w.actors.list({ type: "npc" });
    expect(listed).toMatchObject({ total: 1, offset: 0, items: [{ name: "Goblin", type: "npc" }] });
    await expect(w.actors.delete({ id: hero.id })).resolves.toEqual({
      id: hero.id,
      uuid: hero.uuid,
      deleted: true,
    });
    expect(gm.documents.actors.get(hero.id)).toBeUndefined();

    const found = await w.items.search({ query: "SWORD" });
    expect(found.total).toBe(1);
    expect(found.results[0]).toMatchObject({ name: "Longsword", pack: "world.sim-items", img: "sword.webp" });
    expect(gm.documents.packs[0]?.documentsLoaded).toBe(0);
    const sword = await w.items.get({ uuid: found.results[0]?.uuid ?? "" });
    expect(sword.document).toMatchObject({ name: "Longsword", type: "weapon" });

    const journal: PushResult = await w.journals.create({ name: "Notes", content: "<p>hi</p>" });
    expect(journal).toMatchObject({ uuid: `JournalEntry.${journal.id}`, type: null });
    const scene = await w.scenes.create({ name: "Cave", background: "maps/cave.webp", gridSize: 100 });
    expect(gm.documents.scenes.get(scene.id)?.toObject()).toMatchObject({ grid: { size: 100 } });
    await expect(w.files.list({ target: "maps" })).resolves.toEqual({
      source: "data",
      target: "maps",
      dirs: ["maps/old"],
      files: ["maps/cave.webp"],
      truncated: false,
    });
    const requests = gm.peer.api.bridge.status().requests;
    for (const kind of Object.keys(WORLD_OPERATION_SETTINGS)) expect(requests[kind]?.ok).toBeGreaterThan(0);
  });

  it("a disabled operation answers NO_HANDLER; turning its setting on takes effect without reload", async () => {
    const { gm, world: w } = await start(["actors.delete"]);
    const { id } = await w.actors.create({ name: "Keep", type: "npc" });
    const refused = await remoteError(w.actors.delete({ id }));
    expect(refused.code).toBe("NO_HANDLER");
    expect(gm.documents.actors.get(id)).toBeDefined();
    await gm.peer.foundry.game.settings.set(
      "socket-manager",
      WORLD_OPERATION_SETTINGS["actors.delete"].key,
      true,
    );
    await expect(w.actors.delete({ id })).resolves.toMatchObject({ deleted: true });
    await gm.peer.foundry.game.settings.set(
      "socket-manager",
      WORLD_OPERATION_SETTINGS["actors.list"].key,
      false,
    );
    expect((await remoteError(w.actors.list())).code).toBe("NO_HANDLER");
  });

  it("a player's client never registers them; the GM's registers the nine", async () => {
    const { gm, player } = await start();
    expect(gm.peer.api.bridge.status().handlers).toHaveLength(9);
    expect(player.peer.api.bridge.status().handlers).toEqual([]);
    expect(peerOf(peers, "p1").api.bridge.status().handlers).toEqual([]);
    expect(peerOf(peers, "gm1").api.bridge.status().handlers).toEqual(
      Object.keys(WORLD_OPERATION_SETTINGS).sort(),
    );
  });

  it("bad data is VALIDATION and not found is NOT_FOUND, both typed RemoteErrors naming the operation", async () => {
    const { world: w } = await start();
    const bad = await remoteError(w.actors.create({ name: "", type: "npc" }));
    expect(bad.code).toBe("VALIDATION");
    expect(bad.remoteMessage).toBe("actors.create: data.name must be a string of 1 to 255 characters");
    const missing = await remoteError(w.actors.get({ id: "nobody" }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", kind: "actors.get", world: "harness-world" });
    expect(missing.remoteMessage).toBe('actors.get: no Actor with id "nobody" in this world');
    expect((await remoteError(w.items.get({ uuid: "Item.nothing" }))).code).toBe("NOT_FOUND");
    expect((await remoteError(w.files.list({ target: "nowhere" }))).code).toBe("NOT_FOUND");
  });
});
