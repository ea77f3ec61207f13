/**
 * The bridge and its world operations as shipped: the BUILT module (dist/, its chunks loading on first use) on
 * a simulated GM's page, whose globals are this test process's own (the bundle reads `globalThis`, so one page
 * per file), connected over socket.io, and the Node SDK as the backend on 127.0.0.1. One round trip for each
 * built-in operation through the SDK's world client. `npm test` builds before vitest; this file builds only
 * when the bundle is missing.
 */
import { execSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Bridge, createBridge, RemoteError, worldOperations } from "../../bridge-sdk/src/index";
import type { Api } from "../../src/contract/types";
import { WORLD_OPERATION_SETTINGS } from "../../src/foundry/bridge-settings";
import { createSimDocuments } from "../harness/foundry-documents";
import { type FoundryGlobalsHandle, installFoundryGlobals } from "../harness/foundry-globals-core";
import { createWorld, type World, waitFor } from "../harness/world";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TOKEN = "built bridge token";
const GM = { id: "gm1", name: "Gamemaster", role: 4 } as const;

let copy = "";
let world: World;
let bridge: Bridge;
let foundry: FoundryGlobalsHandle;
const documents = createSimDocuments({
  files: { data: ["maps/cave.webp", "tokens/hero.png"] },
  compendiumItems: [{ name: "Longsword", type: "weapon", img: "sword.webp" }],
});

beforeAll(async () => {
  if (!existsSync(join(REPO, "dist", "socket-manager.js")))
    execSync("npm run build", { cwd: REPO, stdio: "pipe", timeout: 120_000 });
  // A private copy: a concurrent `vite build` empties dist/.
  copy = mkdtempSync(join(tmpdir(), "socket-manager-built-bridge-"));
  cpSync(join(REPO, "dist"), copy, { recursive: true });

  bridge = createBridge({ token: TOKEN, path: "/foundry" });
  const { url } = await bridge.ready;
  world = await createWorld({ users: [GM], network: "socket.io" });
  const operations = Object.fromEntries(Object.values(WORLD_OPERATION_SETTINGS).map((s) => [s.key, true]));
  foundry = installFoundryGlobals(world.client("gm1"), {
    scope: globalThis,
    documents,
    settings: { bridgeUrl: url, bridgeToken: TOKEN, heartbeatInterval: 0, ...operations },
  });
  // Node 20 has no WebSocket of its own; a browser has.
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  await import(pathToFileURL(join(copy, "socket-manager.js")).href);
  await foundry.boot();
  await waitFor(() => bridge.connections.length === 1, {
    timeout: 10_000,
    message: "the GM's bridge connects",
  });
  // The server counts the connection before the client has read the server's welcome: wait for the client's
  // side too (a busy machine can run the test in between).
  await waitFor(() => (foundry.api() as Api | undefined)?.bridge.state === "connected", {
    timeout: 10_000,
    message: "the GM's bridge client sees itself connected",
  });
}, 150_000);

afterAll(async () => {
  // Connections close first: the module still reads the globals while it sees them go.
  await bridge?.close();
  await world?.close();
  foundry?.uninstall();
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("the built module's bridge, with its world operations on", () => {
  it("answers each of the nine operations through the SDK's world client", async () => {
    const api = foundry.api() as Api;
    expect(api.bridge.state).toBe("connected");
    expect(api.bridge.status().handlers).toHaveLength(9);
    const w = worldOperations(bridge);

    const hero = await w.actors.create({ name: "Hero", type: "character" });
    expect(hero).toMatchObject({ uuid: `Actor.${hero.id}`, name: "Hero", type: "character" });
    await expect(w.actors.get({ id: hero.id })).resolves.toMatchObject({ document: { name: "Hero" } });
    await expect(w.actors.list({})).resolves.toMatchObject({ total: 1, items: [{ name: "Hero" }] });
    await expect(w.actors.delete({ id: hero.id })).resolves.toMatchObject({ deleted: true });
    const missing = await w.actors.get({ id: hero.id }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RemoteError);
    expect((missing as RemoteError).code).toBe("NOT_FOUND");

    const found = await w.items.search({ query: "long" });
    expect(found.results.map((r) => r.name)).toEqual(["Longsword"]);
    await expect(w.items.get({ uuid: found.results[0]?.uuid ?? "" })).resolves.toMatchObject({
      document: { name: "Longsword" },
    });
    await expect(w.journals.create({ name: "Notes", content: "<p>hi</p>" })).resolves.toMatchObject({
      name: "Notes",
    });
    await expect(w.scenes.create({ name: "Cave" })).resolves.toMatchObject({ name: "Cave" });
    await expect(w.files.list({ target: "maps" })).resolves.toMatchObject({ files: ["maps/cave.webp"] });

    expect(api.bridge.status().requests["actors.create"]).toEqual({ ok: 1 });
    expect(documents.actors.size).toBe(0);
  });
});
