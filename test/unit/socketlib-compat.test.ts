/** The socketlib drop-in (api.socketlib.registerModule): each behaviour socketlib has, and what it adds. */
import { beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import type { FoundryUser } from "../../src/foundry/types";
import { SocketManager } from "../../src/manager";
import type { Envelope } from "../../src/pipeline/envelope";
import { requestsChunk } from "../../src/services/lazy-requests";
import { socketlibChunk } from "../../src/socketlib-compat";
import { fakeEnv } from "./fake-env";
import { DeferQueue, FakeClock } from "./support";
import { deliverFrom, envelopesSent, fakeSocket } from "./transports/fake-socket";

function world(me: "p1" | "gm", opts: { gmActive?: boolean } = {}) {
  const users: FoundryUser[] = [
    { id: "gm", name: "GM", role: 4, isGM: true, active: opts.gmActive ?? true },
    { id: "p1", name: "Player", role: 1, isGM: false, active: true },
    { id: "p2", name: "Other", role: 1, isGM: false, active: true },
  ];
  const socket = fakeSocket();
  const env = fakeEnv({ me, users, socket });
  const clock = new FakeClock(1_000_000);
  const tasks = new DeferQueue();
  const errors: unknown[][] = [];
  const manager = new SocketManager({
    env,
    clock,
    defer: tasks.defer,
    config: { heartbeatInterval: 0 },
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (...a) => void errors.push(a) },
  });
  const api = createApi(manager);
  manager.start();
  /** Every envelope this client put on the wire. */
  const sent = () => envelopesSent(socket);
  const from = (userId: string, envs: Envelope[]) => deliverFrom(socket, userId, envs);
  return { api, manager, socket, clock, tasks, sent, from, users, errors };
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe("socketlib drop-in", () => {
  // These tests follow the wire task by task; the first request's wait for its chunk is tested elsewhere
  // (the socketlib chunk's in socketlib-lazy.test.ts).
  beforeAll(() => Promise.all([requestsChunk.load(), socketlibChunk.load()]));

  it("handlers can be named by string or by the function itself", async () => {
    const w = world("gm");
    const socket = w.api.socketlib.registerModule("legacy");
    function add(this: { socketdata: { userId: string } }, a: number, b: number) {
      return { sum: a + b, by: this.socketdata.userId };
    }
    socket.register("add", add as never);
    await expect(socket.executeAsGM(add as never, 1, 2)).resolves.toEqual({ sum: 3, by: "gm" });
    await expect(socket.executeAsGM("add", 2, 2)).resolves.toEqual({ sum: 4, by: "gm" });
    const stranger = () => 0;
    const err = await settle(socket.executeAsGM(stranger));
    expect(err.ok).toBe(false);
    expect(!err.ok && err.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibUnregisteredHandlerError);
    expect(!err.ok && err.error).toBeInstanceOf(w.api.errors.NoHandlerError);
    expect(!err.ok && err.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibError);
  });

  it("executeAsGM has no timeout by default: it waits (here 10 hours) for the GM's answer", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    socket.register("ask", (() => "local") as never);
    const result = settle(socket.executeAsGM("ask", "question"));
    w.tasks.endOfTask();
    const req = w.sent().find((e) => e.k === "req");
    expect(req).toMatchObject({ c: "legacy", e: "ask", t: ["gm"], d: ["question"] });
    w.clock.advance(10 * 3600_000);
    w.tasks.endOfTask();
    let done = false;
    void result.then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    const manager = w.manager as unknown as { session: string };
    w.from("gm", [
      {
        q: 1,
        k: "res",
        c: "legacy",
        e: "ask",
        a: w.clock.now(),
        d: "answer",
        r: `${manager.session}:${req?.q}`,
        t: ["p1"],
      },
    ]);
    expect(await result).toEqual({ ok: true, value: "answer" });
  });

  it("without a timeout it still fails at once when the answering GM leaves and no other GM can answer", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    socket.register("ask", (() => "local") as never);
    const result = settle(socket.executeAsGM("ask"));
    w.tasks.endOfTask();
    w.users[0] = { ...w.users[0]!, active: false };
    w.manager.env.hooks.callAll("userConnected", w.users[0], false);
    const outcome = await result;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibNoGMConnectedError);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.errors.NoGMError);
  });

  it("registerModule(id, { timeout }) opts in: TimeoutError that is also a SocketlibError", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("timed", { timeout: 1000 });
    socket.register("ask", (() => "local") as never);
    const result = settle(socket.executeAsGM("ask"));
    w.tasks.endOfTask();
    w.clock.advance(1000);
    const outcome = await result;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.errors.TimeoutError);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibError);
  });

  it("arguments travel as JSON: a Date arrives as its ISO string, a class instance as its JSON form; nothing is refused", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    socket.register("note", (() => {}) as never);
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length() {
        return Math.hypot(this.x, this.y);
      }
    }
    const when = new Date(Date.UTC(2026, 10, 24, 12, 0, 0));
    await socket.executeForOthers("note", when, new Point(3, 4), [undefined, () => 1]);
    w.tasks.endOfTask();
    const msg = w.sent().find((e) => e.k === "msg" && e.e === "note");
    expect(msg?.d).toEqual(["2026-11-24T12:00:00.000Z", { x: 3, y: 4 }, [null, null]]);
  });

  it("the local handler runs synchronously for executeForEveryone, executeForAllGMs (as a GM) and executeForUsers", () => {
    const player = world("p1");
    const ps = player.api.socketlib.registerModule("legacy");
    const ran: string[] = [];
    ps.register("hit", ((tag: string) => void ran.push(tag)) as never);
    void ps.executeForEveryone("hit", "everyone");
    expect(ran).toEqual(["everyone"]);
    const ids = ["p2", "p1"];
    void ps.executeForUsers("hit", ids, "users");
    expect(ran).toEqual(["everyone", "users"]);
    expect(ids).toEqual(["p2"]);
    void ps.executeForAllGMs("hit", "gms-as-player");
    expect(ran).toEqual(["everyone", "users"]);
    const gm = world("gm");
    const gs = gm.api.socketlib.registerModule("legacy");
    const gmRan: string[] = [];
    gs.register("hit", ((tag: string) => void gmRan.push(tag)) as never);
    void gs.executeForAllGMs("hit", "gms");
    expect(gmRan).toEqual(["gms"]);
  });

  it("executeForUsers runs the local handler once however often the caller is listed", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    const ran: string[] = [];
    socket.register("hit", ((tag: string) => void ran.push(tag)) as never);
    await socket.executeForUsers("hit", ["p1", "p2", "p1"], "users");
    w.tasks.endOfTask();
    expect(ran).toEqual(["users"]);
    const sent = w.sent().filter((e) => e.e === "hit");
    expect(sent.map((e) => e.t)).toEqual([["p2"]]);
  });

  it("a name Socket Manager cannot carry is logged and left unregistered, never thrown", async () => {
    const w = world("gm");
    const socket = w.api.socketlib.registerModule("legacy");
    const fn = () => "ran";
    expect(() => socket.register("$reserved", fn as never)).not.toThrow();
    expect(() => socket.register("x".repeat(65), fn as never)).not.toThrow();
    expect(w.errors.map((e) => String(e[0]))).toEqual([
      expect.stringContaining('cannot register socket handler "$reserved"'),
      expect.stringContaining("cannot register socket handler"),
    ]);
    const err = await settle(socket.executeAsGM("$reserved"));
    expect(!err.ok && err.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibUnregisteredHandlerError);
  });

  it("a throwing local handler is logged, never thrown or rejected", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    socket.register("boom", (() => {
      throw new Error("local failure");
    }) as never);
    await expect(socket.executeForEveryone("boom")).resolves.toBeUndefined();
    expect(w.errors.map((e) => String(e[1]))).toEqual(["Error: local failure"]);
  });

  it("executeAsUser for a user who is unknown or not connected rejects with SocketlibInvalidUserError (also UserOfflineError)", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    socket.register("ask", (() => 1) as never);
    for (const id of ["nobody"]) {
      const outcome = await settle(socket.executeAsUser("ask", id));
      expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibInvalidUserError);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.errors.UserOfflineError);
    }
    const offline = world("p1", { gmActive: false });
    const s2 = offline.api.socketlib.registerModule("legacy");
    s2.register("ask", (() => 1) as never);
    const noGm = await settle(s2.executeAsGM("ask"));
    expect(!noGm.ok && noGm.error).toBeInstanceOf(offline.api.socketlib.errors.SocketlibNoGMConnectedError);
  });

  it("a remote handler's error comes back as SocketlibRemoteException (also RemoteHandlerError) with its message", async () => {
    const w = world("p1");
    const socket = w.api.socketlib.registerModule("legacy");
    socket.register("ask", (() => 1) as never);
    const result = settle(socket.executeAsGM("ask"));
    w.tasks.endOfTask();
    const req = w.sent().find((e) => e.k === "req");
    const manager = w.manager as unknown as { session: string };
    const failure = { code: "RemoteHandlerError", message: "the dragon ate it" };
    w.from("gm", [
      {
        q: 1,
        k: "err",
        c: "legacy",
        e: "ask",
        a: w.clock.now(),
        d: failure,
        r: `${manager.session}:${req?.q}`,
        t: ["p1"],
      },
    ]);
    const outcome = await result;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.socketlib.errors.SocketlibRemoteException);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(w.api.errors.RemoteHandlerError);
    expect(!outcome.ok && (outcome.error as { remoteMessage: string }).remoteMessage).toBe(
      "the dragon ate it",
    );
    expect(!outcome.ok && (outcome.error as Error).name).toBe("SocketlibRemoteException");
  });
});
