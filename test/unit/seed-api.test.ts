/** The seed's names (target, the handler context's source/timestamp/originalMessage, enableLocalTesting) and option checks. */
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import type { FoundryUser } from "../../src/foundry/types";
import { SocketManager } from "../../src/manager";
import { fakeEnv } from "./fake-env";
import { DeferQueue, FakeClock, thrownBy } from "./support";
import { envelopesSent, fakeSocket } from "./transports/fake-socket";

const USERS: FoundryUser[] = [
  { id: "gm", name: "GM", role: 4, isGM: true, active: true },
  { id: "p1", name: "Player", role: 1, isGM: false, active: true },
  { id: "p2", name: "Other", role: 1, isGM: false, active: true },
];

function client() {
  const socket = fakeSocket();
  const tasks = new DeferQueue();
  const manager = new SocketManager({
    env: fakeEnv({ me: "p1", users: USERS, socket }),
    clock: new FakeClock(1_000_000),
    defer: tasks.defer,
    config: { heartbeatInterval: 0 },
  });
  const api = createApi(manager);
  manager.start();
  tasks.endOfTask();
  socket.sent.length = 0;
  const sent = () => envelopesSent(socket);
  return { api, tasks, sent };
}

const rejection = async (p: Promise<unknown>) =>
  p.then(
    () => new Error("resolved"),
    (e: Error) => e,
  );

describe("unknown option keys are refused, naming the key", () => {
  it("in emit, request, requestAll and handler options", async () => {
    const { api } = client();
    const ch = api.channel("my-mod");
    const bad = { bogus: 1 } as never;
    for (const err of [
      await rejection(ch.emit("e", 1, bad)),
      await rejection(ch.request("e", 1, { to: "gm", priority: "high" } as never)),
      await rejection(ch.requestAll("e", 1, bad)),
      thrownBy(() => ch.on("e", () => {}, { perm: "gm" } as never)) as Error,
    ]) {
      expect(err).toBeInstanceOf(api.errors.ValidationError);
      expect(err.message).toMatch(/unknown \w+ option "(bogus|priority|perm)"/);
      expect(err.message).toContain("my-mod");
    }
  });
});

describe("the seed's names", () => {
  it("api.emit(event, data, { target }) sends where target says: all (every other client), gm, gms, user ids", async () => {
    const { api, tasks, sent } = client();
    await api.emit("t", 1, { target: "gm" });
    await api.emit("t", 2, { target: "all" });
    await api.emit("t", 3, { target: "p2" });
    await api.emit("t", 4, { target: ["gm", "p2"] });
    tasks.endOfTask();
    expect(sent().map((e) => [e.d, e.t])).toEqual([
      [1, ["gm"]],
      [2, undefined],
      [3, ["p2"]],
      [4, ["gm", "p2"]],
    ]);
    const both = await rejection(api.emit("t", 5, { target: "gm", to: "gm" }));
    expect(both).toBeInstanceOf(api.errors.ValidationError);
  });

  it("registerModuleHandler handlers are reached by api.emit with that moduleId, and only by it", async () => {
    const { api, tasks, sent } = client();
    api.registerModuleHandler("dice", "roll", () => {});
    await api.emit("roll", 1, { moduleId: "dice", target: "gm" });
    await api.emit("roll", 2);
    tasks.endOfTask();
    expect(sent().map((e) => [e.c, e.e, e.d, e.t])).toEqual([
      ["dice", "roll", 1, ["gm"]],
      ["socket-manager", "roll", 2, undefined],
    ]);
    api.enableLocalTesting();
    const seen: unknown[] = [];
    api.registerModuleHandler("dice", "rolled", (data, ctx) => void seen.push([data, ctx.moduleId]));
    api.registerEvent("rolled", (data, ctx) => void seen.push([data, ctx.moduleId]));
    await api.emit("rolled", 6, { moduleId: "dice" });
    await api.emit("rolled", 3);
    tasks.endOfTask();
    tasks.endOfTask();
    expect(seen).toEqual([
      [6, "dice"],
      [3, "socket-manager"],
    ]);
  });

  it("registerEvent handlers get source, timestamp, transport and originalMessage", async () => {
    const { api, tasks } = client();
    api.enableLocalTesting();
    const seen: unknown[] = [];
    api.registerEvent("hello", (data, ctx) => {
      seen.push({
        data,
        source: ctx.source,
        timestamp: ctx.timestamp,
        transport: ctx.transport,
        original: ctx.originalMessage,
      });
    });
    const report = await api.emit("hello", { a: 1 });
    tasks.endOfTask();
    tasks.endOfTask();
    expect(seen).toEqual([
      {
        data: { a: 1 },
        source: "p1",
        timestamp: 1_000_000,
        transport: "local",
        original: {
          event: "hello",
          data: { a: 1 },
          source: "p1",
          timestamp: 1_000_000,
          messageId: report.messageId,
        },
      },
    ]);
  });

  it("enableLocalTesting() enters local mode and local.disable() goes back to the detected transport", () => {
    const { api } = client();
    expect(api.transport).toBe("native");
    api.enableLocalTesting();
    expect(api.transport).toBe("local");
    expect(api.state).toBe("local-fallback");
    api.local.disable();
    expect(api.transport).toBe("native");
    expect(api.state).toBe("connected");
  });
});
