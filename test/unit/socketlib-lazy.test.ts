/**
 * The socketlib drop-in's sending half loads on first use (src/socketlib/remote.ts): registering and
 * receiving need nothing of it, the local handler still runs during the call, and the arguments are taken
 * when the call is made.
 */
import { describe, expect, it, vi } from "vitest";
import { createApi } from "../../src/api";
import type { FoundryUser } from "../../src/foundry/types";
import { SocketManager } from "../../src/manager";
import type { Envelope } from "../../src/pipeline/envelope";
import { createSocketlibCompat, type SocketlibChunk } from "../../src/socketlib-compat";
import { fakeEnv } from "./fake-env";
import { DeferQueue, FakeClock } from "./support";
import { deliverFrom, envelopesSent, fakeSocket } from "./transports/fake-socket";

/** A chunk like the real one whose load the test releases by hand (or fails once). */
function gatedChunk() {
  let release: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  let gate = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  const loads = vi.fn();
  const source: SocketlibChunk = {
    loaded: null,
    load: async () => {
      loads();
      await gate;
      source.loaded ??= await import("../../src/socketlib/remote");
      return source.loaded;
    },
  };
  const reopen = () => {
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  return { source, loads, release: () => release(), fail: (e: Error) => fail(e), reopen };
}

function world(me: "p1" | "gm") {
  const users: FoundryUser[] = [
    { id: "gm", name: "GM", role: 4, isGM: true, active: true },
    { id: "p1", name: "Player", role: 1, isGM: false, active: true },
    { id: "p2", name: "Other", role: 1, isGM: false, active: true },
  ];
  const socket = fakeSocket();
  const track = vi.fn();
  const clock = Object.assign(new FakeClock(1_000_000), { track });
  const tasks = new DeferQueue();
  const errors: unknown[][] = [];
  const manager = new SocketManager({
    env: fakeEnv({ me, users, socket }),
    clock,
    defer: tasks.defer,
    config: { heartbeatInterval: 0 },
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (...a) => void errors.push(a) },
  });
  createApi(manager);
  manager.start();
  const sent = () => envelopesSent(socket);
  const from = (userId: string, envs: Envelope[]) => deliverFrom(socket, userId, envs);
  const chunk = gatedChunk();
  const compat = (id = "legacy") => createSocketlibCompat(manager, id, {}, chunk.source);
  return { manager, tasks, sent, from, track, errors, chunk, compat };
}

describe("socketlib drop-in: the sending half loads on first use", () => {
  it("registering loads nothing, and a message arriving before any load reaches the handler at once", () => {
    const w = world("p1");
    const socket = w.compat();
    const got: unknown[] = [];
    socket.register("hit", function (this: { socketdata: { userId: string } }, tag: string) {
      got.push([tag, this.socketdata.userId]);
    } as never);
    w.from("gm", [{ q: 1, k: "msg", c: "legacy", e: "hit", a: 1_000_000, d: ["early"], t: ["p1"] }]);
    expect(got).toEqual([["early", "gm"]]);
    expect(w.chunk.loads).not.toHaveBeenCalled();
    expect(w.track).not.toHaveBeenCalled();
  });

  it("the first send loads the chunk (tracked by the clock) and leaves once it is there; later ones at once", async () => {
    const w = world("p1");
    const socket = w.compat();
    socket.register("note", (() => {}) as never);
    const args = [{ n: 1 }];
    const first = socket.executeForOthers("note", ...args);
    args[0] = { n: 2 };
    w.tasks.endOfTask();
    expect(w.chunk.loads).toHaveBeenCalledTimes(1);
    expect(w.track).toHaveBeenCalledTimes(1);
    expect(w.sent().filter((e) => e.e === "note")).toEqual([]);
    w.chunk.release();
    await first;
    w.tasks.endOfTask();
    // Taken when the call was made, not when the chunk arrived.
    expect(
      w
        .sent()
        .filter((e) => e.e === "note")
        .map((e) => e.d),
    ).toEqual([[{ n: 1 }]]);
    void socket.executeForOthers("note", "second");
    w.tasks.endOfTask();
    expect(w.sent().filter((e) => e.e === "note")).toHaveLength(2);
    expect(w.chunk.loads).toHaveBeenCalledTimes(1);
  });

  it("the local handler runs during the call, before the chunk is there; the others get it after", async () => {
    const w = world("p1");
    const socket = w.compat();
    const ran: string[] = [];
    socket.register("hit", ((tag: string) => void ran.push(tag)) as never);
    const everyone = socket.executeForEveryone("hit", "everyone");
    const ids = ["p2", "p1"];
    const users = socket.executeForUsers("hit", ids, "users");
    expect(ran).toEqual(["everyone", "users"]);
    expect(ids).toEqual(["p2"]);
    w.chunk.release();
    await Promise.all([everyone, users]);
    w.tasks.endOfTask();
    expect(
      w
        .sent()
        .filter((e) => e.e === "hit")
        .map((e) => [e.d, e.t]),
    ).toEqual([
      [["everyone"], undefined],
      [["users"], ["p2"]],
    ]);
  });

  it("a GM's executeAsGM runs here without loading anything", async () => {
    const w = world("gm");
    const socket = w.compat();
    socket.register("add", ((a: number, b: number) => a + b) as never);
    await expect(socket.executeAsGM("add", 1, 2)).resolves.toBe(3);
    expect(w.chunk.loads).not.toHaveBeenCalled();
  });

  it("an unregistered handler rejects with socketlib's error once the chunk is there, and runs nothing", async () => {
    const w = world("p1");
    const api = createApi(w.manager);
    const socket = w.compat();
    const ids = ["p1", "p2"];
    const missing = socket.executeForUsers("nope", ids);
    w.chunk.release();
    await expect(missing).rejects.toBeInstanceOf(api.socketlib.errors.SocketlibUnregisteredHandlerError);
    expect(ids).toEqual(["p1", "p2"]);
  });

  it("a failed load rejects the calls waiting for it; the next call loads again", async () => {
    const w = world("p1");
    const socket = w.compat();
    socket.register("note", (() => {}) as never);
    const first = socket.executeForOthers("note", 1);
    w.chunk.fail(new Error("chunk fetch failed"));
    await expect(first).rejects.toThrow("chunk fetch failed");
    w.chunk.reopen();
    const second = socket.executeForOthers("note", 2);
    w.chunk.release();
    await second;
    w.tasks.endOfTask();
    expect(w.chunk.loads).toHaveBeenCalledTimes(2);
    expect(
      w
        .sent()
        .filter((e) => e.e === "note")
        .map((e) => e.d),
    ).toEqual([[2]]);
  });
});
