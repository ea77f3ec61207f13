/**
 * The public API surface over real sockets: the frozen object, configure(), the seed's names, requestAll,
 * local mode, and the socketlib-compatible sockets.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import type { Api } from "../../src/contract/types";
import type { FoundryEnv, FoundryUser } from "../../src/foundry/types";
import { SocketManager } from "../../src/manager";
import {
  CONTRACT_RUNS,
  createHooks,
  createWorld,
  delivered,
  type Peer,
  peerOf,
  rejectionOf,
  STANDARD_USERS,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "gm2", "p1", "p2"].includes(u.id));

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`public API over the ${name} transport`, () => {
    let world: World;
    let peers: Map<string, Peer>;
    const api = (id: string): Api => peerOf(peers, id).api;

    beforeEach(async () => {
      world = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      peers = await startPeers(world);
    });

    afterEach(async () => {
      stopPeers(peers);
      await world.close();
    });

    it("is frozen, ready, and the same channel object on repeat calls", async () => {
      const a = api("p1");
      expect(Object.isFrozen(a)).toBe(true);
      expect(() => {
        (a as unknown as Record<string, unknown>).emit = () => {};
      }).toThrow();
      await expect(a.whenReady()).resolves.toBe(a);
      expect(a.channel("mod")).toBe(a.channel("mod"));
      expect(a.protocol).toBe(1);
      expect(a.version).toBe("test");
    });

    it("configure() validates the whole patch: a bad value throws ValidationError and nothing changes", () => {
      const a = api("p1");
      const before = a.config();
      const err = (() => {
        try {
          a.configure({ batchSize: 50, batchTimeout: -1 } as never);
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(a.errors.ValidationError);
      expect(err?.message).toContain("batchTimeout");
      expect(a.config()).toEqual(before);
      expect(a.configure({ batchSize: 50 }).batchSize).toBe(50);
      expect(Object.isFrozen(a.config())).toBe(true);
    });

    it("keeps the seed's names working: registerEvent / unregisterEvent / registerModuleHandler / emit", async () => {
      const got: string[] = [];
      const id = api("gm1").registerEvent("seed-event", (d) => void got.push(`core:${d}`));
      const modId = api("gm1").registerModuleHandler("other-mod", "tick", (d) => void got.push(`mod:${d}`));
      expect(typeof id).toBe("string");
      expect(id).not.toBe(modId);
      await api("p1").emit("seed-event", "one");
      await api("p1").channel("other-mod").emit("tick", "two");
      await waitFor(() => got.length === 2);
      expect(got.sort()).toEqual(["core:one", "mod:two"]);
      expect(api("gm1").unregisterEvent(id)).toBe(true);
      expect(api("gm1").unregisterEvent(id)).toBe(false);
      await api("p1").emit("seed-event", "three");
      await delivered(peers, "p1");
      expect(got).toHaveLength(2);
    });

    it("requestAll collects one result per user, with typed errors for those that fail", async () => {
      api("gm1")
        .channel("demo")
        .handle("who", () => "gm1");
      api("gm2")
        .channel("demo")
        .handle("who", () => {
          throw new Error("gm2 is busy");
        });
      api("p2")
        .channel("demo")
        .handle("who", () => "p2");
      const results = await api("p1").channel("demo").requestAll<string>("who", null, { timeout: 2000 });
      expect([...results.keys()].sort()).toEqual(["gm1", "gm2", "p2"]);
      expect(results.get("gm1")).toEqual({ ok: true, value: "gm1" });
      expect(results.get("p2")).toEqual({ ok: true, value: "p2" });
      const failed = results.get("gm2");
      expect(failed?.ok).toBe(false);
      if (failed && !failed.ok) expect(failed.error).toBeInstanceOf(api("p1").errors.RemoteHandlerError);
    });

    it("events() and metrics() report per-event traffic", async () => {
      api("gm1")
        .channel("demo")
        .on("counted", () => {});
      for (let i = 0; i < 3; i++) await api("p1").channel("demo").emit("counted", { i });
      await waitFor(
        () =>
          (api("gm1")
            .events()
            .find((e) => e.event === "counted")?.received ?? 0) === 3,
      );
      const row = api("gm1")
        .events()
        .find((e) => e.moduleId === "demo" && e.event === "counted");
      expect(row?.handlers).toBe(1);
      expect(row?.bytesIn).toBeGreaterThan(0);
      const sent = api("p1")
        .events()
        .find((e) => e.event === "counted");
      expect(sent?.sent).toBe(3);
      expect(api("p1").metrics().events["demo/counted"]?.sent).toBe(3);
    });

    it("onStateChange returns an unsubscribe", async () => {
      const seen: string[] = [];
      const off = api("p1").onStateChange((s) => void seen.push(s));
      off();
      world.client("p1").disconnect();
      await waitFor(() => api("p1").state === "reconnecting");
      expect(seen).toEqual([]);
    });

    describe("socketlib-compatible sockets", () => {
      it("register / executeAsGM / executeAsUser with this.socketdata.userId", async () => {
        for (const id of ["gm1", "gm2", "p1", "p2"]) {
          const socket = api(id).socketlib.registerModule("legacy");
          socket.register("add", function (this: { socketdata: { userId: string } }, a: number, b: number) {
            return { sum: a + b, on: id, from: this.socketdata.userId };
          } as never);
        }
        const p1 = api("p1").socketlib.registerModule("legacy");
        await expect(p1.executeAsGM("add", 2, 3)).resolves.toEqual({ sum: 5, on: "gm1", from: "p1" });
        await expect(p1.executeAsUser("add", "p2", 1, 1)).resolves.toEqual({ sum: 2, on: "p2", from: "p1" });
        // A GM runs executeAsGM locally, like socketlib.
        await expect(api("gm2").socketlib.registerModule("legacy").executeAsGM("add", 1, 2)).resolves.toEqual(
          {
            sum: 3,
            on: "gm2",
            from: "gm2",
          },
        );
        const missing = await rejectionOf(p1.executeAsGM("missing"));
        expect(missing.message).toMatch(/no socket handler named "missing"/);
        expect(missing).toBeInstanceOf(api("p1").socketlib.errors.SocketlibUnregisteredHandlerError);
        expect(missing).toBeInstanceOf(api("p1").errors.NoHandlerError);
      });

      it("fire-and-forget calls reach exactly socketlib's recipients; executeForUsers mutates its array", async () => {
        const hits: string[] = [];
        for (const id of ["gm1", "gm2", "p1", "p2"]) {
          api(id)
            .socketlib.registerModule("legacy")
            .register("hit", ((tag: string) => void hits.push(`${tag}@${id}`)) as never);
        }
        const p1 = api("p1").socketlib.registerModule("legacy");
        await p1.executeForEveryone("hit", "everyone");
        await p1.executeForOthers("hit", "others");
        await p1.executeForAllGMs("hit", "gms");
        await api("gm1").socketlib.registerModule("legacy").executeForOtherGMs("hit", "othergms");
        const list = ["p1", "p2"];
        await p1.executeForUsers("hit", list, "users");
        expect(list).toEqual(["p2"]);
        await waitFor(() => hits.length === 4 + 3 + 2 + 1 + 2);
        await delivered(peers, "p1");
        await delivered(peers, "gm1");
        const by = (tag: string) =>
          hits
            .filter((h) => h.startsWith(`${tag}@`))
            .map((h) => h.split("@")[1])
            .sort();
        expect(by("everyone")).toEqual(["gm1", "gm2", "p1", "p2"]);
        expect(by("others")).toEqual(["gm1", "gm2", "p2"]);
        expect(by("gms")).toEqual(["gm1", "gm2"]);
        expect(by("othergms")).toEqual(["gm2"]);
        expect(by("users")).toEqual(["p1", "p2"]);
      });

      it("adds what socketlib lacks: permission checks, and timeouts when asked for", async () => {
        api("gm1")
          .socketlib.registerModule("legacy")
          .register("nuke", (() => "boom") as never, { permission: "gm" });
        const p1 = api("p1").socketlib.registerModule("legacy");
        p1.register("nuke", (() => "local") as never);
        await expect(p1.executeAsGM("nuke")).rejects.toBeInstanceOf(api("p1").errors.PermissionDeniedError);
        const timed = (id: string) => api(id).socketlib.registerModule("legacy-timed", { timeout: 300 });
        timed("gm1").register("hang", (() => new Promise(() => {})) as never);
        timed("p1").register("hang", (() => "local") as never);
        const err = await rejectionOf(timed("p1").executeAsGM("hang"));
        expect(err).toBeInstanceOf(api("p1").errors.TimeoutError);
        expect(err).toBeInstanceOf(api("p1").socketlib.errors.SocketlibError);
      });
    });
  });
}

describe("local mode", () => {
  function localPeer(userId = "solo", role = 4): { api: Api; manager: SocketManager } {
    const users: FoundryUser[] = [
      { id: "solo", name: "Solo GM", role: 4, isGM: true, active: true },
      { id: "pl", name: "A Player", role: 1, isGM: false, active: false },
    ];
    const env: FoundryEnv = {
      userId,
      users: {
        get: (id: string) => users.find((u) => u.id === id),
        [Symbol.iterator]: () => users[Symbol.iterator](),
        activeGM: role >= 3 ? users[0] : null,
      },
      socket: null,
      hooks: createHooks(),
      socketlib: { active: false, socket: null },
      notify: () => {},
      localize: (key) => key,
    };
    const manager = new SocketManager({ env, version: "test" });
    const a = createApi(manager);
    manager.start();
    return { api: a, manager };
  }

  it("without a socket it runs locally: emits loop back as simulated messages, requests are answered here", async () => {
    const { api: a, manager } = localPeer();
    expect(a.transport).toBe("local");
    expect(a.state).toBe("local-fallback");
    const got: { data: unknown; simulated: boolean; sender: string }[] = [];
    a.channel("dev").on(
      "ping",
      (data, ctx) => void got.push({ data, simulated: ctx.simulated, sender: ctx.senderId }),
    );
    a.channel("dev").handle("double", (n: number) => n * 2);
    await a.channel("dev").emit("ping", { n: 1 });
    await waitFor(() => got.length === 1);
    expect(got[0]).toEqual({ data: { n: 1 }, simulated: true, sender: "solo" });
    await expect(a.channel("dev").request("double", 21)).resolves.toBe(42);
    await expect(a.channel("dev").request("nothing")).rejects.toBeInstanceOf(a.errors.NoHandlerError);
    manager.dispose();
  });

  it("simulate() injects a message from any user through the permission and schema checks", async () => {
    const { api: a, manager } = localPeer();
    const got: string[] = [];
    a.channel("dev").on("gm-only", (_d, ctx) => void got.push(ctx.senderId), { permission: "gm" });
    await a.local.simulate("dev", "gm-only", null, { from: "pl" });
    await a.local.simulate("dev", "gm-only", null);
    expect(got).toEqual(["solo"]);
    expect(a.metrics().dropped.permission).toBe(1);
    await expect(a.local.simulate("dev", "x", null, { from: "nobody" })).rejects.toBeInstanceOf(
      a.errors.ValidationError,
    );
    manager.dispose();
  });

  it("local.enable() switches a networked client to local mode", async () => {
    const world = await createWorld({ users: USERS.slice(0, 2) });
    const peers = await startPeers(world);
    try {
      const a = peers.get("gm1")?.api;
      if (!a) throw new Error("no gm1");
      expect(a.transport).toBe("native");
      a.local.enable();
      expect(a.transport).toBe("local");
      expect(a.state).toBe("local-fallback");
      a.channel("dev").handle("here", () => "answered locally");
      await expect(a.channel("dev").request("here", null, { to: "gm2" })).resolves.toBe("answered locally");
      const err = await rejectionOf(a.channel("dev").emit("bad", () => 1));
      expect(err).toBeInstanceOf(a.errors.ValidationError);
    } finally {
      stopPeers(peers);
      await world.close();
    }
  });
});
