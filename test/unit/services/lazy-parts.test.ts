/**
 * Requests and reliable delivery load on first use (their chunks): nothing is fetched at start, the first
 * call waits for the chunk, and what arrives from other clients meanwhile keeps its order.
 */
import { describe, expect, it } from "vitest";
import { createApi } from "../../../src/api";
import type { FoundryUser } from "../../../src/foundry/types";
import { SocketManager } from "../../../src/manager";
import { type Envelope, FLAG_RELIABLE } from "../../../src/pipeline/envelope";
import { reliableChunk } from "../../../src/services/lazy-reliable";
import { LazyRequests, requestsChunk } from "../../../src/services/lazy-requests";
import { chunk } from "../../../src/services/on-demand";
import { fakeEnv } from "../fake-env";
import { DeferQueue, FakeClock } from "../support";
import { deliverFrom, fakeSocket } from "../transports/fake-socket";
import { fixture, user } from "./fixture";

const until = async (done: () => boolean) => {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(done()).toBe(true);
};

function gmClient() {
  const users: FoundryUser[] = [
    { id: "gm", name: "GM", role: 4, isGM: true, active: true },
    { id: "p1", name: "Player", role: 1, isGM: false, active: true },
  ];
  const socket = fakeSocket();
  const tasks = new DeferQueue();
  const manager = new SocketManager({
    env: fakeEnv({ me: "gm", users, socket }),
    clock: new FakeClock(1_000_000),
    defer: tasks.defer,
    config: { heartbeatInterval: 0 },
  });
  const api = createApi(manager);
  manager.start();
  const from = (envs: Envelope[]) => deliverFrom(socket, "p1", envs);
  return { api, manager, from, tasks };
}

describe("parts loaded on first use", () => {
  it("a request from another client before the chunk is there holds what follows until it is routed", async () => {
    expect(requestsChunk.loaded).toBeNull();
    const c = gmClient();
    const order: string[] = [];
    const ch = c.api.channel("mod");
    ch.handle("ask", () => {
      order.push("answered");
      return 42;
    });
    // A responder runs after its checks (a task later than a plain handler): what the hold keeps is that the
    // message after the request is not routed before the request is.
    ch.on("note", () => void order.push(requestsChunk.loaded ? "note" : "note before the request"));
    c.from([
      { q: 1, k: "req", c: "mod", e: "ask", a: 1_000_000, d: null, t: ["gm"] },
      { q: 2, k: "msg", c: "mod", e: "note", a: 1_000_000, d: null },
    ]);
    c.tasks.endOfTask();
    expect(order).toEqual([]);
    await until(() => order.length === 2);
    expect(order.sort()).toEqual(["answered", "note"]);
    expect(requestsChunk.loaded).not.toBeNull();
    expect(c.api.metrics().dropped["load-failed"] ?? 0).toBe(0);
  });

  it("a reliable message from another client waits for its chunk the same way; an ack before it counts as stale", async () => {
    const c = gmClient();
    const order: string[] = [];
    c.api.channel("mod").on("r", () => void order.push("reliable"));
    c.api.channel("mod").on("n", () => void order.push("plain"));
    c.from([{ q: 9, k: "ack", c: "socket-manager", e: "$ack", a: 1_000_000, d: ["x", "y", [1]] }]);
    expect(reliableChunk.loaded).toBeNull();
    expect(c.api.metrics().dropped["reliable-stale"]).toBe(1);
    c.from([
      {
        q: 10,
        k: "msg",
        c: "mod",
        e: "r",
        a: 1_000_000,
        f: FLAG_RELIABLE,
        o: { gm: [c.manager.session, 1] },
        d: 1,
      },
      { q: 11, k: "msg", c: "mod", e: "n", a: 1_000_000, d: 2 },
    ]);
    c.tasks.endOfTask();
    expect(order).toEqual([]);
    await until(() => {
      c.tasks.endOfTask();
      return order.length === 2;
    });
    expect(order).toEqual(["reliable", "plain"]);
  });

  it("LazyRequests: a reply before any request is stale and loads nothing; nothing is pending; a call loads the chunk once", async () => {
    const f = fixture("p1", [user("gm1", 4), user("p1", 1)]);
    let imports = 0;
    const source = chunk(async () => {
      imports++;
      return import("../../../src/services/requests");
    });
    const requests = new LazyRequests(
      {
        core: f.core,
        dispatcher: { request: async () => ({ ok: true, value: 1 }) } as never,
        transport: () => "native",
        localContext: () => null,
      },
      source,
    );
    requests.reply({ q: 1, k: "res", c: "m", e: "e", a: 0, r: "x:1" }, "gm1");
    requests.userLeft("gm1");
    requests.resendPending();
    expect(f.core.counters.dropped("stale-reply")).toBe(1);
    expect(requests.pending).toBe(0);
    expect(requests.loaded).toBe(false);
    const first = requests.request("m", "e", 1, { timeout: 1000 });
    const second = requests.request("m", "e", 2, { timeout: 1000 });
    await until(() => requests.pending === 2);
    expect(imports).toBe(1);
    expect(requests.loaded).toBe(true);
    requests.failEverything(() => new Error("shut down"));
    await expect(first).rejects.toThrow("shut down");
    await expect(second).rejects.toThrow("shut down");
    await expect(requests.request("m", "e", 3, {})).rejects.toThrow("Socket Manager was shut down");
  });

  it("chunk(): imports once for every manager on the page, and again after a failed import", async () => {
    let calls = 0;
    let fail = true;
    const source = chunk(async () => {
      calls++;
      if (fail) throw new Error("offline");
      return calls;
    });
    const load = () => source.load();
    await expect(load()).rejects.toThrow("offline");
    fail = false;
    const [a, b] = await Promise.all([load(), load()]);
    expect(await load()).toBe(2);
    expect([a, b, calls]).toEqual([2, 2, 2]);
    expect(source.loaded).toBe(2);
  });
});
