/**
 * Socket Manager bundled by a system and a module (`@socket-manager/library`, issue 17): both sample
 * consumers of test/library/ are built with the project's bundler and run on simulated pages of one world,
 * with the module installed and without it, and with two bundled library versions side by side.
 */
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Api } from "../../src/contract/types";
import { installSocketManager } from "../../src/entry";
import type { FoundryGlobalScope } from "../../src/foundry/globals";
import { type FoundryGlobalsHandle, installFoundryGlobals } from "../harness/foundry-globals-core";
import { waitFor } from "../harness/wait";
import { createWorld, type World } from "../harness/world";
import { type Built, buildSamples } from "../library/build";
import type { SampleState } from "../library/sample-consumer";

type Consumer = { ID: string; install(globals: object): SampleState };

let built: Built;
const consumers: Record<"system" | "module" | "moduleNewer", Consumer> = {} as never;

beforeAll(async () => {
  built = await buildSamples();
  for (const key of ["system", "module", "moduleNewer"] as const)
    consumers[key] = (await import(pathToFileURL(built[key]).href)) as Consumer;
}, 120_000);

afterAll(() => {
  if (built) rmSync(built.dir, { recursive: true, force: true });
});

const USERS = [
  { id: "gm", name: "Gamemaster", role: 4 },
  { id: "p1", name: "Player One", role: 1 },
  { id: "p2", name: "Player Two", role: 1 },
] as const;
type UserId = (typeof USERS)[number]["id"];

interface Page {
  foundry: FoundryGlobalsHandle;
  system: SampleState;
  module: SampleState;
  /** The Socket Manager module's own API on this page, when it is installed. */
  moduleApi: () => Api | undefined;
}

interface Setup {
  /** The Socket Manager module is installed (version 0.1.0). */
  withModule: boolean;
  /** Which build of the sample module the pages run. */
  moduleBuild: "module" | "moduleNewer";
  systemSocket?: boolean;
  moduleSocket?: boolean;
}

let world: World | null = null;
const pages = new Map<UserId, Page>();
const wire: string[] = [];

async function start(setup: Setup): Promise<void> {
  // As Foundry, the server relays only the events of packages whose manifest says "socket": true.
  const socketEvents = [
    ...(setup.withModule ? ["module.socket-manager"] : []),
    ...((setup.systemSocket ?? true) ? ["system.sample-system"] : []),
    ...((setup.moduleSocket ?? true) ? ["module.sample-module"] : []),
  ];
  world = await createWorld({ network: "memory", users: USERS, socketEvents });
  world.relay.onMessage((event) => void wire.push(event));
  await Promise.all(
    USERS.map(async ({ id }) => {
      const scope: FoundryGlobalScope = {};
      const foundry = installFoundryGlobals(world!.client(id), {
        scope,
        socketManager: setup.withModule,
        system: { id: "sample-system", socket: setup.systemSocket ?? true },
        modules: [
          { id: "sample-module", title: "Sample module", active: true, socket: setup.moduleSocket ?? true },
        ],
      });
      // Foundry runs the library module's file first (`library: true`), then the system's and the module's.
      if (setup.withModule) installSocketManager(scope, { version: "0.1.0", clock: world!.clock });
      const system = consumers.system.install(scope);
      const module = consumers[setup.moduleBuild].install(scope);
      await foundry.boot();
      // A consumer's init handler awaits connectSocketManager, which may load the embedded instance's chunk:
      // like Foundry, boot does not wait for it.
      await vi.waitFor(
        () => {
          if (!(system.api || system.error) || !(module.api || module.error)) throw new Error("not yet");
        },
        { timeout: 10_000, interval: 2 },
      );
      pages.set(id, { foundry, system, module, moduleApi: () => foundry.api() });
    }),
  );
}

function page(id: UserId): Page {
  const p = pages.get(id);
  if (!p) throw new Error(`no page for ${id}`);
  return p;
}

function api(id: UserId, which: "system" | "module"): Api {
  const state = page(id)[which];
  if (!state.api) throw new Error(`${which} on ${id} has no API: ${String(state.error)}`);
  return state.api;
}

afterEach(async () => {
  // Connections close first: the instances still read the globals while they see the disconnect.
  await world?.close();
  world = null;
  for (const p of pages.values()) p.foundry.uninstall();
  pages.clear();
  wire.length = 0;
  vi.restoreAllMocks();
});

/** Waits until every page's consumers see every user as a peer (their hellos crossed). */
async function allPeers(which: "system" | "module"): Promise<void> {
  await waitFor(() => USERS.every(({ id }) => api(id, which).peers().length >= USERS.length - 1), {
    message: `${which}: every page sees the others`,
  });
}

describe("without the Socket Manager module: each consumer runs embedded on its own event", () => {
  it("requests, permissions and reliable delivery work end to end, and nothing crosses to the other consumer", async () => {
    await start({ withModule: false, moduleBuild: "moduleNewer" });
    for (const { id } of USERS) {
      expect(page(id).system.connection).toBe("embedded");
      expect(page(id).module.connection).toBe("embedded");
      expect(api(id, "system")).not.toBe(api(id, "module"));
    }
    // Two library versions in one world: the system bundles 0.1.0, the module 0.2.0.
    expect(api("gm", "system").version).toBe("0.1.0");
    expect(api("gm", "module").version).toBe("0.2.0");
    await allPeers("system");
    await allPeers("module");

    // A request answered by the GM's system handler.
    await expect(api("p1", "system").channel("sample-system").request("roll", { dice: 4 })).resolves.toEqual({
      total: 12,
      by: "p1",
    });
    // Permissions: a player may not run another page's GM-only handler; the GM may.
    await expect(
      api("p2", "module").channel("sample-module").request("gm-secret", {}, { to: "p1" }),
    ).rejects.toMatchObject({ name: "PermissionDeniedError", moduleId: "sample-module" });
    await expect(
      api("gm", "module").channel("sample-module").request("gm-secret", {}, { to: "p1" }),
    ).resolves.toBe("only a GM may ask");

    // Reliable delivery, acknowledged by every player.
    await api("gm", "system").channel("sample-system").emit("note", { n: 1 }, { reliable: true });
    await waitFor(
      () => ["p1", "p2"].every((id) => page(id as UserId).system.heard.some((h) => h.event === "note")),
      { message: "both players hear the reliable note" },
    );

    // The system's "ping" never reaches the module's "ping" handler on any page, and the other way round.
    await api("gm", "system").channel("sample-system").emit("ping", "for the system");
    await api("gm", "module").channel("sample-module").emit("ping", "for the module");
    await world!.delivered("gm");
    for (const id of ["p1", "p2"] as const) {
      expect(
        page(id)
          .system.heard.filter((h) => h.event === "ping")
          .map((h) => h.data),
      ).toEqual(["for the system"]);
      expect(
        page(id)
          .module.heard.filter((h) => h.event === "ping")
          .map((h) => h.data),
      ).toEqual(["for the module"]);
    }
    // On the wire: the consumers' own events only, never the module's.
    expect(new Set(wire.filter((e) => e !== "module.harness-marker"))).toEqual(
      new Set(["system.sample-system", "module.sample-module"]),
    );
  });
});

describe("with the Socket Manager module installed", () => {
  it("both consumers use the module's instance: one API, one set of metrics, the module's event", async () => {
    await start({ withModule: true, moduleBuild: "module" });
    for (const { id } of USERS) {
      const moduleApi = page(id).moduleApi();
      expect(moduleApi).toBeDefined();
      expect(api(id, "system")).toBe(moduleApi);
      expect(api(id, "module")).toBe(moduleApi);
      expect(page(id).system.connection).toBe("module");
      expect(page(id).module.connection).toBe("module");
    }
    await allPeers("system");
    await expect(api("p1", "system").channel("sample-system").request("roll", { dice: 2 })).resolves.toEqual({
      total: 6,
      by: "p1",
    });
    await api("gm", "module").channel("sample-module").emit("ping", "one pipeline");
    await world!.delivered("gm");
    expect(page("p1").module.heard.map((h) => h.data)).toEqual(["one pipeline"]);
    // The module's metrics count the consumers' traffic: there is only one pipeline.
    const events = page("p1")
      .moduleApi()!
      .events()
      .map((e) => `${e.moduleId}/${e.event}`);
    expect(events).toEqual(expect.arrayContaining(["sample-system/roll", "sample-module/ping"]));
    expect(new Set(wire.filter((e) => e !== "module.harness-marker"))).toEqual(
      new Set(["module.socket-manager"]),
    );
  });

  it("a consumer bundling a newer library says so once and runs embedded; the other keeps the module's", async () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    await start({ withModule: true, moduleBuild: "moduleNewer" });
    for (const { id } of USERS) {
      expect(api(id, "system")).toBe(page(id).moduleApi());
      expect(page(id).module.connection).toBe("embedded");
    }
    const told = info.mock.calls.filter(([m]) =>
      String(m).includes("sample-module bundles Socket Manager 0.2.0"),
    );
    expect(told).toHaveLength(USERS.length);
    await allPeers("module");
    await api("gm", "module").channel("sample-module").emit("ping", "embedded");
    await api("gm", "system").channel("sample-system").emit("ping", "through the module");
    await world!.delivered("gm");
    expect(page("p2").module.heard.map((h) => h.data)).toEqual(["embedded"]);
    expect(page("p2").system.heard.map((h) => h.data)).toEqual(["through the module"]);
  });
});

describe('a manifest without "socket": true', () => {
  it.each([
    ["system", { systemSocket: false }, /add "socket": true to system\.json and restart the world/],
    ["module", { moduleSocket: false }, /add "socket": true to module\.json and restart the world/],
  ] as const)("the %s gets a clear error naming the fix", async (which, flags, message) => {
    await start({ withModule: false, moduleBuild: "module", ...flags });
    const error = page("gm")[which].error;
    expect(error).toBeInstanceOf(Error);
    // The consumer's own copy of the library threw it: its class, the library's TransportError.
    expect((error as Error).name).toBe("TransportError");
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`sample-${which}`);
  });
});
