/** Proves that the simulated Foundry in test/harness behaves like the facts in docs/FOUNDRY.md. */
import { afterEach, describe, expect, it } from "vitest";
import { createSimClient, type SimClient, type SimUser, type SocketFactory } from "../harness/client";
import { createSimDocuments } from "../harness/foundry-documents";
import { installFoundryGlobals } from "../harness/foundry-globals-core";
import { SimHooks } from "../harness/hooks";
import { MemoryRelay, MemorySocket } from "../harness/memory-relay";
import { startRelay } from "../harness/relay";
import {
  type SimSocketlibSocket,
  SocketlibNoGMConnectedError,
  SocketlibRemoteException,
  SocketlibUnregisteredHandlerError,
} from "../harness/socketlib";
import { acquireVirtualClock, releaseVirtualClock } from "../harness/virtual-time";
import { createWorld, NETWORKS, STANDARD_USERS, type World, waitFor } from "../harness/world";

const EVENT = "module.socket-manager";

let world: World | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

async function openWorld(opts: Parameters<typeof createWorld>[0]): Promise<World> {
  world = await createWorld(opts);
  return world;
}

function record(client: SimClient, event = EVENT): unknown[][] {
  const got: unknown[][] = [];
  client.socket.on(event, (...args: unknown[]) => {
    got.push(args);
  });
  return got;
}

describe("hooks", () => {
  it("on/once/off and callAll that survives throwing handlers and off during a call", () => {
    const hooks = new SimHooks();
    const calls: string[] = [];
    const errSpy = console.error;
    console.error = () => {};
    try {
      const idA = hooks.on("h", () => calls.push("a"));
      hooks.once("h", () => calls.push("once"));
      hooks.on("h", () => {
        throw new Error("boom");
      });
      const fnC = () => {
        calls.push("c");
        hooks.off("h", idA);
      };
      hooks.on("h", fnC);
      expect(typeof idA).toBe("number");
      expect(hooks.callAll("h")).toBe(true);
      expect(calls).toEqual(["a", "once", "c"]);
      expect(hooks.errors).toHaveLength(1);
      calls.length = 0;
      hooks.callAll("h");
      expect(calls).toEqual(["c"]);
      hooks.off("h", fnC);
      calls.length = 0;
      hooks.callAll("h");
      expect(calls).toEqual([]);
    } finally {
      console.error = errSpy;
    }
  });
});

// Every fact holds on both relays: the real socket.io one and the in-memory one in virtual time.
for (const network of NETWORKS) {
  const open = (opts: Parameters<typeof createWorld>[0]) => openWorld({ ...opts, network });
  /** A relay of this network with nobody connected, and the client options to reach it. */
  const standalone = async () => {
    if (network === "socket.io") {
      const relay = await startRelay();
      return { relay, client: { url: relay.url }, done: () => {} };
    }
    const clock = acquireVirtualClock();
    const relay = new MemoryRelay(clock);
    return {
      relay,
      client: {
        url: relay.url,
        clock,
        socket: ((userId, options) => new MemorySocket(relay, { userId, ...options })) as SocketFactory,
      },
      done: () => releaseVirtualClock(clock),
    };
  };

  describe(`on the ${network} relay`, () => {
    describe("relay", () => {
      it("relays a module message to every other client once, appending the sender id, never to the sender", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1", "p2"] });
        const [a, b, c] = [w.client("gm1"), w.client("p1"), w.client("p2")];
        const [gotA, gotB, gotC] = [record(a), record(b), record(c)];

        a.socket.emit(EVENT, "hello", { x: 1 });
        await w.delivered("gm1");

        expect(gotA).toEqual([]);
        expect(gotB).toEqual([["hello", { x: 1 }, "gm1"]]);
        expect(gotC).toEqual([["hello", { x: 1 }, "gm1"]]);
        expect(w.relay.framesRelayed).toBe(1);
        expect(w.relay.largestFrameBytes).toBe(JSON.stringify(["hello", { x: 1 }]).length);
      });

      it("a forged sender argument never replaces the appended id, which is the last argument", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1", "p2"] });
        const gotP2 = record(w.client("p2"));

        w.client("p1").socket.emit(EVENT, "payload", "gm1");
        await waitFor(() => gotP2.length === 1);

        const args = gotP2[0]!;
        expect(args).toEqual(["payload", "gm1", "p1"]);
        expect(args[args.length - 1]).toBe("p1");
      });

      it("reports relayed messages to onMessage observers and ignores non-module events", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1", "p2"] });
        const seen: Array<[string, unknown[], string]> = [];
        const off = w.relay.onMessage((event, args, sender) => seen.push([event, args, sender]));
        const gotOther = record(w.client("p2"), "other-event");

        w.client("p1").socket.emit("other-event", 1);
        w.client("p1").socket.emit("module.another", 2);
        await waitFor(() => seen.length === 1);
        off();
        w.client("p1").socket.emit(EVENT, 3);
        await w.delivered("p1");

        expect(seen).toEqual([["module.another", [2], "p1"]]);
        expect(gotOther).toEqual([]);
        expect(w.relay.framesRelayed).toBe(2);
      });

      it("relays a system's event (system.<id>) as it relays a module's (docs/FOUNDRY.md, The module socket)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1", "p2"] });
        const got = record(w.client("p2"), "system.my-system");
        w.client("p1").socket.emit("system.my-system", { roll: 3 });
        await w.delivered("p1");
        expect(got).toEqual([[{ roll: 3 }, "p1"]]);
      });

      it('relays only the events of packages whose manifest says "socket": true, when the world lists them (docs/FOUNDRY.md, The module socket)', async () => {
        const w = await open({
          users: STANDARD_USERS,
          connect: ["p1", "p2"],
          socketEvents: ["module.socket-manager", "system.my-system"],
        });
        const quiet = record(w.client("p2"), "module.no-socket");
        const system = record(w.client("p2"), "system.my-system");
        const ours = record(w.client("p2"), EVENT);
        w.client("p1").socket.emit("module.no-socket", 1);
        w.client("p1").socket.emit("system.my-system", 2);
        w.client("p1").socket.emit(EVENT, 3);
        await w.delivered("p1");
        expect(quiet).toEqual([]);
        expect(system).toEqual([[2, "p1"]]);
        expect(ours).toEqual([[3, "p1"]]);
      });

      it("a message over 1 MB disconnects its sender and reaches nobody", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        const sender = w.client("p1");
        const gotGm = record(w.client("gm1"));
        const reasons: string[] = [];
        sender.socket.on("disconnect", (reason) => reasons.push(reason));

        sender.socket.emit(EVENT, "x".repeat(1_200_000));
        await waitFor(() => reasons.length > 0);
        expect(sender.socket.connected).toBe(false);

        // socket.io then reconnects by itself; nothing was relayed.
        await sender.waitConnected();
        await w.delivered("p1");
        expect(gotGm).toEqual([]);
        expect(w.relay.framesRelayed).toBe(0);
      });

      it("a client that leaves fires userConnected(user, false) on the others and activeGM moves to gm2", async () => {
        const w = await open({ users: STANDARD_USERS });
        const p1 = w.client("p1");
        expect(p1.users.activeGM?.id).toBe("gm1");
        expect(w.client("gm1").users.activeGM?.id).toBe("gm1");
        const events: Array<[string, boolean]> = [];
        p1.hooks.on("userConnected", (user: SimUser, connected: boolean) => {
          events.push([user.id, connected]);
        });

        await w.leave("gm1");

        expect(events).toEqual([["gm1", false]]);
        for (const c of w.clients.values()) expect(c.users.activeGM?.id).toBe("gm2");

        await w.join("gm1");
        expect(events).toEqual([
          ["gm1", false],
          ["gm1", true],
        ]);
        expect(p1.users.activeGM?.id).toBe("gm1");
      });

      it("activeGM prefers a full GM over an assistant, and self never fires userConnected", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["asst", "p1"] });
        const p1 = w.client("p1");
        expect(p1.users.activeGM?.id).toBe("asst");
        await w.join("gm2");
        expect(p1.users.activeGM?.id).toBe("gm2");
        const selfEvents = w.client("gm2").hooks.calls.filter((c) => (c.args[0] as SimUser).id === "gm2");
        expect(selfEvents).toEqual([]);
        expect(w.client("gm2").user.active).toBe(true);
        expect(w.client("gm2").users.get("p1")?.active).toBe(true);
        expect(w.client("gm2").users.get("gm1")?.active).toBe(false);
      });

      it("disconnectUser forces a user off and the others see it leave", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        w.relay.disconnectUser("p1");
        await waitFor(
          () => !w.client("p1").socket.connected && w.client("gm1").users.get("p1")?.active === false,
        );
        // A server-side disconnect is not retried by socket.io (the socket is no longer active); p1's view is stale.
        expect(w.client("p1").socket.active).toBe(false);
        expect(w.client("p1").socket.connected).toBe(false);
        expect(w.client("p1").users.get("gm1")?.active).toBe(true);
        await w.client("p1").connect();
        await waitFor(() => w.client("gm1").users.get("p1")?.active === true);
      });

      it("stop() then restart() lets clients reconnect on the same port", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        const port = w.relay.port;
        await w.relay.stop();
        expect(w.relay.running).toBe(false);
        await waitFor(() => [...w.clients.values()].every((c) => !c.socket.connected));
        // Still trying (a stopped server is retried), not given up.
        expect([...w.clients.values()].every((c) => c.socket.active)).toBe(true);

        await w.relay.restart();
        expect(w.relay.port).toBe(port);
        await Promise.all([...w.clients.values()].map((c) => c.waitConnected()));

        const got = record(w.client("p1"));
        w.client("gm1").socket.emit(EVENT, "after restart");
        await waitFor(() => got.length === 1);
        expect(got[0]).toEqual(["after restart", "gm1"]);
      });

      it("a client created with connect: false stays offline until connect()", async () => {
        const { relay, client: reach, done } = await standalone();
        const user = STANDARD_USERS[4]!;
        const client = await createSimClient({ ...reach, user, users: STANDARD_USERS, connect: false });
        try {
          expect(client.socket.active).toBe(false);
          expect(client.socket.connected).toBe(false);
          expect(relay.connectedUsers()).toEqual([]);
          await client.connect();
          expect(client.user.active).toBe(true);
          expect(relay.connectedUsers()).toEqual(["p1"]);
          client.disconnect();
          await waitFor(() => relay.connectedUsers().length === 0);
          expect(client.user.active).toBe(false);
        } finally {
          client.close();
          await relay.stop();
          done();
        }
      });

      it("env exposes notify and localize", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1"] });
        const client = w.client("p1");
        const { env, notifications } = client;
        await client.boot();
        env.notify("warn", "careful");
        expect(notifications).toEqual([{ level: "warn", message: "careful" }]);
        expect(env.localize("X.Hello {name}", { name: "Bob" })).toBe("X.Hello Bob");
        expect(env.localize("X.Plain")).toBe("X.Plain");
        expect(env.userId).toBe("p1");
        expect(env.socket?.connected).toBe(true);
        expect(env.socketlib).toEqual({ active: false, socket: null });
      });
    });

    describe("simulated socketlib", () => {
      /** Each client's socketlib socket for "socket-manager" (registering it, as a module does at init). */
      function sockets(w: World): Map<string, SimSocketlibSocket> {
        const out = new Map<string, SimSocketlibSocket>();
        for (const [id, c] of w.clients) out.set(id, c.socketlib!.registerModule("socket-manager")!);
        return out;
      }

      it("executeAsGM from a player returns the GM handler's value and sees the server-stamped sender", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm1", "gm2", "p1"] });
        const ran: Array<{ on: string; sender: string | undefined }> = [];
        for (const [id, s] of sockets(w)) {
          s.register("whoami", function (this: { socketdata?: { userId?: string } }, a: number, b: number) {
            ran.push({ on: id, sender: this.socketdata?.userId });
            return { sum: a + b, ranOn: id };
          } as never);
        }
        expect(w.client("p1").env.socketlib.active).toBe(true);

        const result = await sockets(w).get("p1")!.executeAsGM("whoami", 2, 3);

        expect(result).toEqual({ sum: 5, ranOn: "gm1" });
        expect(ran).toEqual([{ on: "gm1", sender: "p1" }]);
        expect(sockets(w).get("p1")!.pendingCount).toBe(0);
      });

      it("executeAsGM on a GM runs locally with the GM's own id", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm2"] });
        const s = sockets(w).get("gm2")!;
        s.register("me", function (this: { socketdata?: { userId?: string } }) {
          return this.socketdata?.userId;
        } as never);
        await expect(s.executeAsGM("me")).resolves.toBe("gm2");
      });

      it("executeForOthers reaches every other client but not the caller", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm1", "p1", "p2"] });
        const got: Array<[string, unknown, string | undefined]> = [];
        for (const [id, s] of sockets(w)) {
          s.register("note", function (this: { socketdata?: { userId?: string } }, text: unknown) {
            got.push([id, text, this.socketdata?.userId]);
          } as never);
        }
        await sockets(w).get("p1")!.executeForOthers("note", "hi");
        await waitFor(() => got.length === 2);
        await w.delivered("p1");
        expect(got.sort()).toEqual([
          ["gm1", "hi", "p1"],
          ["p2", "hi", "p1"],
        ]);
      });

      it("executeForUsers mutates its array, runs locally for self, and reaches the listed users only", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm1", "p1", "p2"] });
        const got: string[] = [];
        for (const [id, s] of sockets(w)) s.register("ping", (() => got.push(id)) as never);
        const ids = ["p1", "p2"];
        await sockets(w).get("p1")!.executeForUsers("ping", ids);
        expect(ids).toEqual(["p2"]);
        await waitFor(() => got.length === 2);
        await w.delivered("p1");
        expect(got.sort()).toEqual(["p1", "p2"]);
      });

      it("executeAsUser, remote exceptions and executeForAllGMs", async () => {
        const w = await open({
          users: STANDARD_USERS,
          socketlib: true,
          connect: ["gm1", "asst", "p1", "p2"],
        });
        const gmHits: string[] = [];
        const errSpy = console.error;
        console.error = () => {};
        try {
          for (const [id, s] of sockets(w)) {
            s.register("id", (() => id) as never);
            s.register("fail", (() => {
              throw new Error("secret");
            }) as never);
            s.register("gm", (() => gmHits.push(id)) as never);
          }
          const all = sockets(w);
          const p1 = all.get("p1")!;
          const escaped: unknown[] = [];
          all.get("p2")!.onUnhandled = (e) => escaped.push(e);
          await expect(p1.executeAsUser("id", "p2")).resolves.toBe("p2");
          await expect(p1.executeAsUser("fail", "p2")).rejects.toBeInstanceOf(SocketlibRemoteException);
          // Like socketlib, the answering client rethrows the handler's error: an unhandled rejection there.
          await waitFor(() => escaped.length === 1);
          expect((escaped[0] as Error).message).toBe("secret");
          await expect(p1.executeAsUser("id", "gm2")).rejects.toThrow(/not connected/);
          await p1.executeForAllGMs("gm");
          await waitFor(() => gmHits.length === 2);
          expect(gmHits.sort()).toEqual(["asst", "gm1"]);
        } finally {
          console.error = errSpy;
        }
      });

      it("executeAsGM rejects when no GM is connected", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["p1", "p2"] });
        for (const s of sockets(w).values()) s.register("whoami", (() => "x") as never);
        await expect(sockets(w).get("p1")!.executeAsGM("whoami")).rejects.toBeInstanceOf(
          SocketlibNoGMConnectedError,
        );
      });

      it("ignores frames that are not socketlib messages on the same event", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm1", "p1"] });
        for (const [id, s] of sockets(w)) s.register("id", (() => id) as never);
        w.client("gm1").socket.emit(EVENT, '{"v":1,"frame":"plain string"}');
        w.client("gm1").socket.emit(EVENT, null);
        w.client("gm1").socket.emit(EVENT, { type: "not-a-number" });
        await expect(sockets(w).get("p1")!.executeAsGM("id")).resolves.toBe("gm1");
      });
    });

    /**
     * Each fact below is from docs/FOUNDRY.md. The simulated Foundry must never be kinder than the real one:
     * a test here fails if the harness drifts from a fact.
     */
    describe("Foundry's start-up and socket, as the harness simulates them", () => {
      it("users and game.user exist only from setup; ui only after setup (docs/FOUNDRY.md, Users and GMs: timing)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        const client = w.client("p1");
        const seen: Array<[string, number, boolean | undefined]> = [];
        const note = (phase: string) => {
          seen.push([phase, [...client.env.users].length, client.env.usersLoaded]);
        };
        for (const phase of ["init", "i18nInit", "setup", "ready"])
          client.hooks.once(phase, () => note(phase));
        note("loading");
        client.env.notify("info", "before ui");
        expect(client.notifications).toEqual([]);
        await client.boot();
        expect(seen).toEqual([
          ["loading", 0, false],
          ["init", 0, false],
          ["i18nInit", 0, false],
          ["setup", STANDARD_USERS.length, true],
          ["ready", STANDARD_USERS.length, true],
        ]);
        client.env.notify("info", "after ui");
        expect(client.notifications).toEqual([{ level: "info", message: "after ui" }]);
      });

      for (const version of [12, 13] as const) {
        it(`v${version} documents: CONFIG, fromUuid and FilePicker from page load; world collections and packs only from setup (docs/FOUNDRY.md, Documents)`, async () => {
          const w = await open({ users: STANDARD_USERS, connect: ["gm1"] });
          const client = w.client("gm1");
          const scope: Record<string, unknown> = {};
          const documents = createSimDocuments({
            version,
            compendiumItems: [{ name: "Rope", type: "gear" }],
          });
          const foundry = installFoundryGlobals(client, { scope, documents });
          const seen: Record<string, unknown[]> = {};
          const note = (phase: string) => {
            const g = foundry.game as unknown as Record<string, unknown>;
            const ns = scope.foundry as
              | {
                  utils?: { fromUuid?: unknown };
                  applications?: { apps?: { FilePicker?: { implementation?: unknown } } };
                }
              | undefined;
            seen[phase] = [
              typeof (scope.CONFIG as Record<string, { documentClass?: unknown }>).Actor?.documentClass,
              typeof (version === 12 ? scope.fromUuid : ns?.utils?.fromUuid),
              typeof (version === 12 ? scope.FilePicker : ns?.applications?.apps?.FilePicker?.implementation),
              ["actors", "items", "journal", "scenes", "packs"].map((k) => g[k] !== undefined),
            ];
          };
          note("loading");
          for (const phase of ["init", "i18nInit", "setup", "ready"])
            client.hooks.once(phase, () => note(phase));
          await foundry.boot();
          const none = [false, false, false, false, false];
          const all = [true, true, true, true, true];
          const globals = ["object", "function", "object"];
          expect(seen).toEqual({
            loading: [...globals, none],
            init: [...globals, none],
            i18nInit: [...globals, none],
            setup: [...globals, all],
            ready: [...globals, all],
          });
          // v12 has only the globals, v13 (as simulated) only the namespaced ones.
          expect(version === 12 ? scope.foundry : scope.FilePicker).toBeUndefined();
          // A compendium is indexed lazily: empty until getIndex runs.
          expect(documents.packs[0]?.index.size).toBe(0);
          foundry.uninstall();
          expect(scope.CONFIG).toBeUndefined();
        });
      }

      it('game.modules and game.system carry each package\'s "socket" flag from the start; game.ready turns true at ready (docs/FOUNDRY.md, Packages)', async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1"] });
        const client = w.client("p1");
        const foundry = installFoundryGlobals(client, {
          scope: {},
          socketManager: false,
          system: { id: "my-system", socket: true },
          modules: [{ id: "quiet", title: "Quiet", active: true, socket: false }],
        });
        const seen: Array<[string, boolean | undefined]> = [];
        for (const phase of ["init", "setup", "ready"])
          client.hooks.once(phase, () => void seen.push([phase, foundry.game.ready]));
        expect(foundry.game.system).toMatchObject({ id: "my-system", socket: true });
        expect(foundry.game.modules.get("quiet")).toMatchObject({ active: true, socket: false });
        expect(foundry.game.modules.get("socket-manager")).toBeUndefined();
        await foundry.boot();
        expect(seen).toEqual([
          ["init", false],
          ["setup", false],
          ["ready", true],
        ]);
        foundry.uninstall();
      });

      it("game.socket has Foundry's options: 0.5 s fixed retry delay, 10 attempts (docs/FOUNDRY.md, Foundry owns the connection)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1"] });
        const manager = w.client("p1").socket.io;
        expect(manager.reconnectionDelay()).toBe(500);
        expect(manager.reconnectionDelayMax()).toBe(500);
        expect(manager.reconnectionAttempts()).toBe(10);
      });

      it("socket events before ready are recorded and replayed to every listener just before ready (docs/FOUNDRY.md, Early events are replayed)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        const p1 = w.client("p1");
        const got = record(p1);
        w.client("gm1").socket.emit(EVENT, "early");
        await waitFor(() => got.length === 1);
        let atReady = -1;
        p1.hooks.once("ready", () => {
          atReady = got.length;
        });
        await p1.boot();
        expect(atReady).toBe(2);
        expect(got).toEqual([
          ["early", "gm1"],
          ["early", "gm1"],
        ]);
        expect(p1.replayed).toBeGreaterThanOrEqual(1);
        // After ready nothing is recorded any more: a later event arrives once.
        w.client("gm1").socket.emit(EVENT, "late");
        await w.delivered("gm1");
        expect(got.length).toBe(3);
      });

      it("a reconnect after an outage of 5 s or more reloads the page: a new client, which must boot again (docs/FOUNDRY.md, Foundry owns the connection)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        const old = w.client("p1");
        const replaced: string[] = [];
        w.onReload((id) => replaced.push(id));
        w.relay.cutUser("p1", 5300);
        await waitFor(() => replaced.length === 1, { timeout: 15_000, message: "p1 reloads" });
        expect(old.reloaded).toBe(true);
        expect(old.closed).toBe(true);
        expect(w.reloads).toBe(1);
        const fresh = w.client("p1");
        expect(fresh).not.toBe(old);
        expect(fresh.phase).toBe("loading");
        expect(fresh.socket.connected).toBe(true);
      }, 20_000);

      it("a reconnect after a short blip does not reload the page", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1"] });
        const p1 = w.client("p1");
        let reconnected = 0;
        p1.socket.io.on("reconnect", () => reconnected++);
        w.relay.cutUser("p1", 1000);
        await waitFor(() => reconnected === 1, { timeout: 10_000 });
        expect(p1.reloaded).toBe(false);
        expect(w.client("p1")).toBe(p1);
      }, 15_000);

      it("when the ten attempts fail the page navigates away (docs/FOUNDRY.md, reconnect_failed)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["p1"] });
        const p1 = w.client("p1");
        let attempts = 0;
        p1.socket.io.on("reconnect_attempt", () => attempts++);
        await w.relay.stop();
        await waitFor(() => p1.navigatedAway, { timeout: 15_000, message: "p1 navigates away" });
        expect(attempts).toBe(10);
        expect(p1.closed).toBe(true);
      }, 20_000);

      it("presence comes over the socket: a client that was cut off keeps its stale picture after its reconnect (docs/FOUNDRY.md, userConnected)", async () => {
        const w = await open({ users: STANDARD_USERS, connect: ["gm1", "p1", "p2"] });
        const p1 = w.client("p1");
        const left: string[] = [];
        p1.hooks.on("userConnected", ((user: SimUser, connected: boolean) => {
          if (!connected) left.push(user.id);
        }) as never);
        let reconnected = 0;
        p1.socket.io.on("reconnect", () => reconnected++);
        w.relay.cutUser("p1", 1000);
        await waitFor(() => !p1.socket.connected);
        w.client("p2").close();
        await waitFor(() => w.client("gm1").users.get("p2")?.active === false);
        await waitFor(() => reconnected === 1 && p1.ready, { timeout: 10_000 });
        expect(p1.users.get("p2")?.active).toBe(true);
        expect(left).toEqual([]);
      }, 15_000);

      it("socketlib raises SocketlibUnregisteredHandlerError, unhandled, for a message whose handler is not registered there (docs/FOUNDRY.md, socketlib)", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm1", "p1"] });
        const gm = w.client("gm1").socketlib!.registerModule("socket-manager")!;
        const p1 = w.client("p1").socketlib!.registerModule("socket-manager")!;
        gm.register("only-here", (() => 1) as never);
        const escaped: unknown[] = [];
        p1.onUnhandled = (e) => escaped.push(e);
        await gm.executeForOthers("only-here");
        await waitFor(() => escaped.length === 1);
        expect(escaped[0]).toBeInstanceOf(SocketlibUnregisteredHandlerError);
        expect(p1.unregisteredErrors).toBe(1);
      });

      it("socketlib's socket listens from registerModule on, so it also sees replayed early events", async () => {
        const w = await open({ users: STANDARD_USERS, socketlib: true, connect: ["gm1", "p1"] });
        const gm = w.client("gm1").socketlib!.registerModule("socket-manager")!;
        gm.register("count", (() => 0) as never);
        const p1client = w.client("p1");
        const p1 = p1client.socketlib!.registerModule("socket-manager")!;
        const ran: number[] = [];
        p1.register("count", (() => ran.push(1)) as never);
        await gm.executeForOthers("count");
        await waitFor(() => ran.length === 1);
        await p1client.boot();
        expect(ran.length).toBe(2);
      });
    });
  });
}
