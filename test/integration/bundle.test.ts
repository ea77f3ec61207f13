/**
 * The release artefact itself: dist/ has the shape Foundry expects, the bundle imports nothing, and the real
 * bundle boots in simulated Foundry clients (one process each: the bundle reads globals) and talks across a
 * relay. `npm test` builds before vitest; this file builds only when the bundle is missing.
 */
import { execSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientProcess, spawnClient } from "../../demo/spawn";
import { moduleFiles } from "../../scripts/chunks";
import { createSimClient, type SimClient, type UserSpec } from "../harness/client";
import { installFoundryGlobals } from "../harness/foundry-globals";
import { type Relay, startRelay } from "../harness/relay";
import { waitFor } from "../harness/wait";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const DIST = join(REPO, "dist");
const BUNDLE_NAME = "socket-manager.js";
const MODULE = "bundle-test";

const GM: UserSpec = { id: "gm", name: "Gamemaster", role: 4 };
const PLAYER: UserSpec = { id: "p1", name: "Player One", role: 1 };
const USERS = [GM, PLAYER];

/** A private copy of dist/, so a concurrent `vite build` (which empties dist/) cannot pull it away mid-test. */
let copy = "";

beforeAll(() => {
  if (!existsSync(join(DIST, BUNDLE_NAME))) {
    execSync("npm run build", { cwd: REPO, stdio: "pipe", timeout: 120_000 });
  }
  copy = mkdtempSync(join(tmpdir(), "socket-manager-dist-"));
  cpSync(DIST, copy, { recursive: true });
}, 150_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("dist/ is a Foundry module folder", () => {
  it("the bundle imports nothing but its own chunks, and they nothing else", () => {
    const { core, lazy } = moduleFiles(copy, BUNDLE_NAME);
    expect(core[0]).toBe(BUNDLE_NAME);
    // Each part that loads on first use arrives in a chunk of its own.
    for (const chunk of [
      "shared-state-",
      "bridge-",
      "status-window-",
      "requests-",
      "reliable-",
      "socketlib-",
    ])
      expect(
        lazy.some((f) => f.startsWith(chunk)),
        chunk,
      ).toBe(true);
    const chunks = readdirSync(copy).filter((f) => f.endsWith(".js"));
    expect([...core, ...lazy].sort()).toEqual(chunks.sort());
    for (const file of chunks) {
      // What remains once the chunks' own imports are cut out must import and require nothing.
      const code = readFileSync(join(copy, file), "utf8")
        .replace(/\bfrom\s*["'`]\.\/[\w.-]+\.js["'`]/g, "")
        .replace(/\bimport\s*\(\s*["'`]\.\/[\w.-]+\.js["'`]\s*\)/g, "");
      expect(code).not.toMatch(/(?:^|[;{}\s])import\s*(?:[\w$*{},\s]+?\s*from\s*)?["'`]/m);
      expect(code).not.toMatch(/\bexport\s*(?:\*|\{[^}]*\})\s*from\s*["'`]/);
      expect(code).not.toMatch(/\bimport\s*\(/);
      expect(code).not.toMatch(/\brequire\s*\(/);
    }
  });

  it("module.json declares one ES module, a socket and a library, and every file it names exists", () => {
    const manifest = JSON.parse(readFileSync(join(copy, "module.json"), "utf8")) as {
      id: string;
      socket: boolean;
      library: boolean;
      esmodules: string[];
      styles?: string[];
      languages?: { lang: string; path: string }[];
    };
    expect(manifest.id).toBe("socket-manager");
    expect(manifest.socket).toBe(true);
    expect(manifest.library).toBe(true);
    expect(manifest.esmodules).toEqual([BUNDLE_NAME]);
    for (const file of [...(manifest.styles ?? []), ...(manifest.languages ?? []).map((l) => l.path)]) {
      expect(existsSync(join(copy, file)), `${file} named by module.json`).toBe(true);
    }
  });

  it("ships lang/en.json, templates/ and styles/", () => {
    const lang = JSON.parse(readFileSync(join(copy, "lang", "en.json"), "utf8")) as Record<string, unknown>;
    expect(lang).toHaveProperty("SOCKET_MANAGER");
    expect(readdirSync(join(copy, "templates")).some((f) => f.endsWith(".hbs"))).toBe(true);
    expect(readdirSync(join(copy, "styles")).some((f) => f.endsWith(".css"))).toBe(true);
  });
});

describe("installFoundryGlobals (in process, on a private scope)", () => {
  let client: SimClient;
  beforeAll(async () => {
    // Never connected: these checks need no relay.
    client = await createSimClient({ url: "http://127.0.0.1:9", user: GM, users: USERS, connect: false });
  });
  afterAll(() => client.close());

  it("installs game and Hooks at once, users from setup and ui after it; uninstall removes them", async () => {
    const booting = await createSimClient({
      url: "http://127.0.0.1:9",
      user: GM,
      users: USERS,
      connect: false,
    });
    try {
      const scope: Record<string, unknown> = {};
      const foundry = installFoundryGlobals(booting, { scope });
      const game = scope.game as typeof foundry.game;
      expect(game.userId).toBe("gm");
      expect(game.user).toBeNull();
      expect(game.users).toBeUndefined();
      expect(scope.ui).toBeUndefined();
      booting.hooks.once("setup", () => {
        expect(game.users?.get("p1")?.name).toBe("Player One");
        expect(game.user).toBe(booting.user);
        expect(scope.ui).toBeUndefined();
      });
      await foundry.boot();
      expect(game.modules.get("socket-manager")?.active).toBe(true);
      expect(game.modules.get("socketlib")?.active).toBe(false);
      expect(scope.Hooks).toBe(booting.hooks);
      expect(scope.socketlib).toBeUndefined();
      (scope.ui as typeof foundry.ui).notifications.warn("careful");
      expect(booting.notifications.at(-1)).toEqual({ level: "warn", message: "careful" });
      foundry.uninstall();
      expect(Object.keys(scope)).toEqual([]);
    } finally {
      booting.close();
    }
  });

  it("settings: a stored value wins over the default, set calls onChange, unregistered keys throw", async () => {
    const foundry = installFoundryGlobals(client, { scope: {}, settings: { batchSize: 7 } });
    const { settings } = foundry.game;
    const changes: unknown[] = [];
    const base = { scope: "world", config: true, type: Number } as const;
    settings.register("socket-manager", "batchSize", {
      ...base,
      default: 50,
      onChange: (v) => changes.push(v),
    });
    settings.register("socket-manager", "batchTimeout", { ...base, default: 100 });
    expect(settings.get("socket-manager", "batchSize")).toBe(7);
    expect(settings.get("socket-manager", "batchTimeout")).toBe(100);
    await settings.set("socket-manager", "batchSize", 20);
    expect(settings.get("socket-manager", "batchSize")).toBe(20);
    expect(changes).toEqual([20]);
    expect(() => settings.get("socket-manager", "nope")).toThrow(/not a registered game setting/);
    await expect(settings.set("socket-manager", "nope", 1)).rejects.toThrow(/not a registered game setting/);
  });

  it("i18n localizes nested keys and formats {placeholders}; unknown keys come back as the key", () => {
    const lang = { A: { B: "Hello {name}, {n} new", C: "plain" } };
    const { i18n } = installFoundryGlobals(client, { scope: {}, lang }).game;
    expect(i18n.localize("A.C")).toBe("plain");
    expect(i18n.format("A.B", { name: "GM", n: 2 })).toBe("Hello GM, 2 new");
    expect(i18n.format("A.B", { name: "GM" })).toBe("Hello GM, {n} new");
    expect(i18n.localize("A.Missing")).toBe("A.Missing");
    const real = installFoundryGlobals(client, { scope: {} }).game.i18n;
    expect(real.localize("SOCKET_MANAGER.Title")).toBe("Socket Manager");
  });

  it("boot fires init (socketlib's own handler first, announcing socketlib.ready), i18nInit, setup, ready; socketlib hands out the client's socket", async () => {
    const sl = await createSimClient({
      url: "http://127.0.0.1:9",
      user: PLAYER,
      users: USERS,
      connect: false,
      socketlib: true,
    });
    try {
      const scope: Record<string, unknown> = {};
      const foundry = installFoundryGlobals(sl, { scope, socketlib: true });
      const order: string[] = [];
      for (const name of ["ready", "setup", "i18nInit", "socketlib.ready", "init"]) {
        sl.hooks.once(name, () => order.push(name));
      }
      expect(scope.socketlib).toBeUndefined();
      await foundry.boot();
      // socketlib loads before its dependents, so its init handler (which sets the global and fires
      // socketlib.ready) runs before theirs.
      expect(order).toEqual(["socketlib.ready", "init", "i18nInit", "setup", "ready"]);
      expect(foundry.booted).toEqual(["init", "socketlib.ready", "i18nInit", "setup", "ready"]);
      expect(foundry.game.ready).toBe(true);
      const socketlib = scope.socketlib as { registerModule(id: string): unknown };
      expect(socketlib.registerModule("socket-manager")).toBe(sl.socketlib?.registerModule("socket-manager"));
      await expect(foundry.boot()).rejects.toThrow(/already booted/);
    } finally {
      sl.close();
    }
  });
});

for (const socketlib of [false, true]) {
  const transport = socketlib ? "socketlib" : "native";

  describe(`the built bundle in two client processes (${transport})`, () => {
    let relay: Relay;
    let gm: ClientProcess;
    let player: ClientProcess;

    beforeAll(async () => {
      relay = await startRelay();
      const bundle = join(copy, BUNDLE_NAME);
      gm = await spawnClient({ url: relay.url, user: GM, users: USERS, socketlib, bundle });
      player = await spawnClient({ url: relay.url, user: PLAYER, users: USERS, socketlib, bundle });
      await waitFor(async () => (await gm.send("status", {})).peers === 1, {
        timeout: 5_000,
        message: "the GM sees the player",
      });
    }, 60_000);

    afterAll(async () => {
      await Promise.all([gm?.quit(2_000), player?.quit(2_000)].map((p) => p?.catch(() => undefined)));
      gm?.kill();
      player?.kill();
      await relay?.stop();
    }, 15_000);

    it("exposes one frozen api as game.modules.get(...).api and globalThis.SocketManager, then fires socket-manager.ready", () => {
      for (const c of [gm, player]) {
        expect(c.report.apiSame).toBe(true);
        expect(c.report.apiFrozen).toBe(true);
        expect(c.report.readyHookFired).toBe(true);
        expect(c.report.readyHookArgIsApi).toBe(true);
        expect(c.report.state).toBe("connected");
        expect(c.report.settingsRegistered).toBeGreaterThan(0);
        expect(c.report.hooks).toEqual(
          socketlib
            ? ["init", "socketlib.ready", "i18nInit", "setup", "ready"]
            : ["init", "i18nInit", "setup", "ready"],
        );
      }
    });

    it(`chooses the ${transport} transport`, async () => {
      expect(gm.report.transport).toBe(transport);
      expect(player.report.transport).toBe(transport);
      expect((await player.send("status", {})).transport).toBe(transport);
    });

    it("a player's request to the GM returns the GM handler's value", async () => {
      await gm.send("handle", { moduleId: MODULE, event: "echo", mode: "echo" });
      await gm.send("handle", { moduleId: MODULE, event: "sum", mode: "sum" });
      const data = { text: "hi", list: [1, 2, 3], nested: { ok: true } };
      const echo = await player.send("request", {
        moduleId: MODULE,
        event: "echo",
        data,
        opts: { timeout: 3_000 },
      });
      expect(echo).toMatchObject({ ok: true, value: data });
      const sum = await player.send("request", {
        moduleId: MODULE,
        event: "sum",
        data: [4, 5, 6],
        opts: { timeout: 3_000 },
      });
      expect(sum).toMatchObject({ ok: true, value: 15 });
      const seen = (await gm.send("seen", {})).filter((r) => r.kind === "request");
      expect(seen.map((r) => r.senderId)).toEqual(["p1", "p1"]);
    });

    it("a failing GM handler and a missing one reject with typed errors", async () => {
      await gm.send("handle", { moduleId: MODULE, event: "boom", mode: "throw" });
      const boom = await player.send("request", { moduleId: MODULE, event: "boom", data: null });
      expect(boom.ok).toBe(false);
      if (!boom.ok) {
        expect(boom.error.errorClass).toBe("RemoteHandlerError");
        expect(boom.error.code).toBe("RemoteHandlerError");
        // Minifiers rename classes; the error's name must still say what it is.
        expect(boom.error.name).toBe("RemoteHandlerError");
        expect(boom.error.message).toContain('the "boom" handler failed on purpose');
      }
      const none = await player.send("request", { moduleId: MODULE, event: "nobody", data: null });
      expect(none.ok).toBe(false);
      if (!none.ok) {
        expect(none.error.errorClass).toBe("NoHandlerError");
        expect(none.error.name).toBe("NoHandlerError");
      }
    });

    it("an emit crosses from the player to the GM with the server-stamped sender", async () => {
      await gm.send("on", { moduleId: MODULE, event: "chat" });
      const report = await player.send("emit", {
        moduleId: MODULE,
        event: "chat",
        data: { text: "hello GM" },
        opts: { to: "gm" },
      });
      expect(report).toMatchObject({ recipients: ["gm"] });
      const got = await waitFor(
        async () => {
          const chats = (await gm.send("seen", {})).filter((r) => r.event === "chat");
          return chats.length > 0 ? chats : null;
        },
        { timeout: 5_000, message: "the GM receives the chat message" },
      );
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({
        kind: "message",
        data: { text: "hello GM" },
        senderId: "p1",
        senderName: "Player One",
        transport,
        simulated: false,
      });
      expect(got[0]!.latencyMs).toBeGreaterThanOrEqual(0);
      expect(got[0]!.latencyMs).toBeLessThan(5_000);
    });
  });
}
