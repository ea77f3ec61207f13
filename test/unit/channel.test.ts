import { describe, expect, it } from "vitest";
import { type ChannelHost, ChannelImpl } from "../../src/channel";
import { SocketManagerError, ValidationError } from "../../src/contract/errors";
import type {
  EmitOptions,
  EmitReport,
  HandlerOptions,
  MessageContext,
  PeerEvent,
  PeerInfo,
  RequestAllOptions,
  RequestOptions,
  RequestResult,
  SharedState,
} from "../../src/contract/types";
import type { StandardSchemaV1 } from "../../src/pipeline/schema";
import { thrownBy } from "./support";

type Call =
  | { method: "emit"; channel: string; event: string; data: unknown; opts: EmitOptions }
  | { method: "request"; channel: string; event: string; data: unknown; opts: RequestOptions }
  | { method: "requestAll"; channel: string; event: string; data: unknown; opts: RequestAllOptions };

class FakeHost implements ChannelHost {
  readonly calls: Call[] = [];
  readonly report: EmitReport = { messageId: "s:1", recipients: ["u2"], queued: false };
  readonly answers = new Map<string, RequestResult<unknown>>([["u2", { ok: true, value: 7 }]]);

  emit(channel: string, event: string, data: unknown, opts: EmitOptions): Promise<EmitReport> {
    this.calls.push({ method: "emit", channel, event, data, opts });
    return Promise.resolve(this.report);
  }
  request<R>(channel: string, event: string, data: unknown, opts: RequestOptions): Promise<R> {
    this.calls.push({ method: "request", channel, event, data, opts });
    return Promise.resolve(`answer:${event}` as R);
  }
  requestAll<R>(
    channel: string,
    event: string,
    data: unknown,
    opts: RequestAllOptions,
  ): Promise<Map<string, RequestResult<R>>> {
    this.calls.push({ method: "requestAll", channel, event, data, opts });
    return Promise.resolve(this.answers as Map<string, RequestResult<R>>);
  }
  readonly sharedCalls: { channel: string; key: string; opts: unknown }[] = [];
  readonly disposedShared: string[] = [];
  shared(channel: string, key: string, opts: unknown): SharedState<unknown> {
    this.sharedCalls.push({ channel, key, opts });
    return { key } as unknown as SharedState<unknown>;
  }
  disposeShared(channel: string): void {
    this.disposedShared.push(channel);
  }
  readonly peerListeners = new Set<(peer: PeerInfo) => void>();
  onPeer(_kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void {
    this.peerListeners.add(fn);
    return () => this.peerListeners.delete(fn);
  }
}

function setup(allowReserved = false) {
  const host = new FakeHost();
  const channel = new ChannelImpl("my-module", host, allowReserved);
  return { host, channel };
}

function ctx(event = "ev"): MessageContext {
  const sender = { id: "u2", name: "Bob", active: true, isGM: false, role: 1 as const };
  return {
    moduleId: "my-module",
    event,
    messageId: "s:1",
    senderId: "u2",
    sender,
    sentAt: 1,
    receivedAt: 2,
    latencyMs: 1,
    transport: "local",
    simulated: true,
  };
}

/** Runs every handler of `event` as the manager does: over a snapshot, in order. */
function dispatch(channel: ChannelImpl, event: string, data: unknown): void {
  const c = ctx(event);
  for (const entry of channel.handlersFor(event)) entry.fn(data, c);
}

const schema: StandardSchemaV1 = {
  "~standard": { version: 1, vendor: "test", validate: (v) => ({ value: v }) },
};

function expectValidation(fn: () => unknown, event?: string): ValidationError {
  const err = thrownBy(fn);
  expect(err).toBeInstanceOf(ValidationError);
  const v = err as ValidationError;
  expect(v.moduleId).toBe("my-module");
  expect(v.message).toContain("my-module");
  if (event !== undefined) expect(v.event).toBe(event);
  return v;
}

describe("on / off", () => {
  it("runs handlers in registration order with data and context", () => {
    const { channel } = setup();
    const log: string[] = [];
    channel.on("ev", (d) => log.push(`a:${d}`));
    channel.on("ev", (d, c) => log.push(`b:${d}:${c.senderId}`));
    channel.on("other", () => log.push("other"));
    dispatch(channel, "ev", 1);
    expect(log).toEqual(["a:1", "b:1:u2"]);
    expect(channel.handlerCount("ev")).toBe(2);
  });

  it("the returned function unsubscribes only that registration", () => {
    const { channel } = setup();
    const log: string[] = [];
    const h = (d: unknown) => log.push(String(d));
    const first = channel.on("ev", h);
    channel.on("ev", h);
    first();
    dispatch(channel, "ev", "x");
    expect(log).toEqual(["x"]);
    first();
    expect(channel.handlerCount("ev")).toBe(1);
  });

  it("off(event, fn) removes that function, off(event) removes all", () => {
    const { channel } = setup();
    const log: string[] = [];
    const a = () => log.push("a");
    const b = () => log.push("b");
    channel.on("ev", a);
    channel.on("ev", b);
    channel.on("ev", a);
    channel.off("ev", a);
    dispatch(channel, "ev", null);
    expect(log).toEqual(["b"]);
    channel.off("ev");
    expect(channel.handlerCount("ev")).toBe(0);
    expect(channel.handlersFor("ev")).toEqual([]);
    channel.off("never-registered");
    channel.off("never-registered", a);
  });

  it("off with an unknown function keeps the others", () => {
    const { channel } = setup();
    channel.on("ev", () => 1);
    channel.off("ev", () => 2);
    expect(channel.handlerCount("ev")).toBe(1);
  });

  it("handlersFor is a snapshot: unsubscribing during dispatch is safe", () => {
    const { channel } = setup();
    const log: string[] = [];
    const offs: (() => void)[] = [];
    offs.push(
      channel.on("ev", () => {
        log.push("a");
        for (const off of offs) off();
      }),
    );
    offs.push(channel.on("ev", () => log.push("b")));
    offs.push(channel.on("ev", () => log.push("c")));
    const snapshot = channel.handlersFor("ev");
    dispatch(channel, "ev", null);
    expect(log).toEqual(["a", "b", "c"]);
    expect(snapshot).toHaveLength(3);
    expect(channel.handlersFor("ev")).toEqual([]);
    dispatch(channel, "ev", null);
    expect(log).toEqual(["a", "b", "c"]);
  });

  it("adding or removing a handler replaces the list, never changes one already handed out", () => {
    const { channel } = setup();
    const one = () => 1;
    channel.on("ev", one);
    const before = channel.handlersFor("ev");
    const offTwo = channel.on("ev", () => 2);
    expect(before).toHaveLength(1);
    const both = channel.handlersFor("ev");
    expect(both).toHaveLength(2);
    offTwo();
    expect(both).toHaveLength(2);
    channel.off("ev", one);
    expect(channel.handlersFor("ev")).toHaveLength(0);
    expect(before).toHaveLength(1);
  });

  it("a handler added while the list runs waits for the next message", () => {
    const { channel } = setup();
    const log: string[] = [];
    channel.on("ev", () => {
      log.push("a");
      if (log.length === 1) channel.on("ev", () => log.push("late"));
    });
    dispatch(channel, "ev", null);
    expect(log).toEqual(["a"]);
    dispatch(channel, "ev", null);
    expect(log).toEqual(["a", "a", "late"]);
  });

  it("keeps the handler options", () => {
    const { channel } = setup();
    const opts: HandlerOptions = { permission: "gm", schema };
    channel.on("ev", () => 1, opts);
    expect(channel.handlersFor("ev")[0]!.opts).toEqual(opts);
  });
});

describe("once", () => {
  it("fires once, then is gone", () => {
    const { channel } = setup();
    const seen: unknown[] = [];
    channel.once("ev", (d) => seen.push(d));
    dispatch(channel, "ev", 1);
    dispatch(channel, "ev", 2);
    expect(seen).toEqual([1]);
    expect(channel.handlerCount("ev")).toBe(0);
  });

  it("fires once even when the same snapshot runs it twice", () => {
    const { channel } = setup();
    const seen: unknown[] = [];
    channel.once("ev", (d) => seen.push(d));
    const [entry] = channel.handlersFor("ev");
    entry!.fn(1, ctx());
    entry!.fn(2, ctx());
    expect(seen).toEqual([1]);
  });

  it("returns the handler's result", async () => {
    const { channel } = setup();
    channel.once("ev", async (d) => `got ${d}`);
    const [entry] = channel.handlersFor("ev");
    await expect(entry!.fn("x", ctx())).resolves.toBe("got x");
  });

  it("can be cancelled before it fires, and removed by off with the original function", () => {
    const { channel } = setup();
    const seen: unknown[] = [];
    const cancel = channel.once("ev", (d) => seen.push(d));
    cancel();
    const h = (d: unknown) => seen.push(`h${d}`);
    channel.once("ev", h);
    channel.off("ev", h);
    dispatch(channel, "ev", 1);
    expect(seen).toEqual([]);
  });

  it("keeps other handlers in order around it", () => {
    const { channel } = setup();
    const log: string[] = [];
    channel.on("ev", () => log.push("a"));
    channel.once("ev", () => log.push("once"));
    channel.on("ev", () => log.push("c"));
    dispatch(channel, "ev", null);
    dispatch(channel, "ev", null);
    expect(log).toEqual(["a", "once", "c", "a", "c"]);
  });
});

describe("handle", () => {
  it("registers one responder per event", () => {
    const { channel } = setup();
    const fn = (d: unknown) => d;
    channel.handle("ask", fn, { permission: "trusted" });
    expect(channel.responderFor("ask")?.fn).toBe(fn);
    expect(channel.responderFor("ask")?.opts).toEqual({ permission: "trusted" });
    expect(channel.responderFor("other")).toBeUndefined();
  });

  it("a second responder for the same event throws, naming module and event", () => {
    const { channel } = setup();
    const first = () => 1;
    channel.handle("ask", first);
    const err = thrownBy(() => channel.handle("ask", () => 2));
    expect(err).toBeInstanceOf(SocketManagerError);
    expect((err as SocketManagerError).moduleId).toBe("my-module");
    expect((err as SocketManagerError).event).toBe("ask");
    expect(channel.responderFor("ask")?.fn).toBe(first);
  });

  it("unsubscribing frees the name, and a stale unsubscribe does not remove the new responder", () => {
    const { channel } = setup();
    const off = channel.handle("ask", () => 1);
    off();
    expect(channel.responderFor("ask")).toBeUndefined();
    const second = () => 2;
    channel.handle("ask", second);
    off();
    expect(channel.responderFor("ask")?.fn).toBe(second);
  });

  it("responders and handlers of the same event are independent", () => {
    const { channel } = setup();
    channel.on("ev", () => 1);
    channel.handle("ev", () => 2);
    channel.off("ev");
    expect(channel.responderFor("ev")).toBeDefined();
  });
});

describe("dispose", () => {
  it("drops every handler and responder", () => {
    const { channel } = setup();
    const seen: unknown[] = [];
    channel.on("a", (d) => seen.push(d));
    channel.once("b", (d) => seen.push(d));
    channel.handle("c", () => 1);
    channel.dispose();
    dispatch(channel, "a", 1);
    dispatch(channel, "b", 2);
    expect(seen).toEqual([]);
    expect(channel.responderFor("c")).toBeUndefined();
    expect(channel.handlerCount("a")).toBe(0);
    channel.handle("c", () => 2);
    expect(channel.responderFor("c")).toBeDefined();
  });

  it("passes shared() to the host under its module id, and dispose() disposes the module's shared states", () => {
    const { channel, host } = setup();
    const opts = { initial: { round: 0 } };
    expect(channel.shared("board", opts)).toEqual({ key: "board" });
    expect(host.sharedCalls).toEqual([{ channel: "my-module", key: "board", opts }]);
    expect(host.disposedShared).toEqual([]);
    channel.dispose();
    expect(host.disposedShared).toEqual(["my-module"]);
  });
});

describe("validation", () => {
  const badNames: [string, unknown][] = [
    ["empty", ""],
    ["65 characters", "x".repeat(65)],
    ["a number", 42],
    ["undefined", undefined],
  ];

  it.each(badNames)("on/once/handle refuse a bad event name (%s)", (_label, name) => {
    const { channel } = setup();
    expectValidation(() => channel.on(name as string, () => 1));
    expectValidation(() => channel.once(name as string, () => 1));
    expectValidation(() => channel.handle(name as string, () => 1));
    expect(channel.eventNames()).toEqual([]);
  });

  it("refuses `$` names unless the channel allows reserved names", () => {
    const { channel } = setup();
    expectValidation(() => channel.on("$hello", () => 1), "$hello");
    expectValidation(() => channel.once("$hello", () => 1), "$hello");
    expectValidation(() => channel.handle("$hello", () => 1), "$hello");
    const own = setup(true).channel;
    own.on("$hello", () => 1);
    own.handle("$ping", () => 1);
    expect(own.handlerCount("$hello")).toBe(1);
    expect(own.responderFor("$ping")).toBeDefined();
  });

  it.each([
    ["a string", "fn"],
    ["null", null],
    ["an object", { handler: () => 1 }],
  ])("on/once/handle refuse a non-function handler (%s)", (_label, fn) => {
    const { channel } = setup();
    expectValidation(() => channel.on("ev", fn as never), "ev");
    expectValidation(() => channel.once("ev", fn as never), "ev");
    expectValidation(() => channel.handle("ev", fn as never), "ev");
    expect(channel.handlerCount("ev")).toBe(0);
    expect(channel.responderFor("ev")).toBeUndefined();
  });

  it.each([
    ["options that are a string", "gm"],
    ["null options", null],
    ["an unknown role", { permission: "admin" }],
    ["a numeric role", { permission: 4 }],
    ["a schema without ~standard", { schema: { parse: () => 1 } }],
    ["a schema without validate", { schema: { "~standard": { version: 1 } } }],
  ])("on/once/handle refuse %s", (_label, opts) => {
    const { channel } = setup();
    expectValidation(() => channel.on("ev", () => 1, opts as never), "ev");
    expectValidation(() => channel.once("ev", () => 1, opts as never), "ev");
    expectValidation(() => channel.handle("ev", () => 1, opts as never), "ev");
    expect(channel.handlerCount("ev")).toBe(0);
    expect(channel.responderFor("ev")).toBeUndefined();
  });

  it("accepts every documented permission and a predicate", () => {
    const { channel } = setup();
    for (const permission of ["player", "trusted", "assistant", "gm"] as const) {
      channel.on("ev", () => 1, { permission });
    }
    channel.on("ev", () => 1, { permission: (u) => u.isGM });
    channel.on("ev", () => 1, { schema });
    channel.on("ev", () => 1, {});
    expect(channel.handlerCount("ev")).toBe(7);
  });

  it("copies the options, so later changes by the caller do not apply", () => {
    const { channel } = setup();
    const opts: HandlerOptions = { permission: "gm" };
    channel.on("ev", () => 1, opts);
    opts.permission = "player";
    expect(channel.handlersFor("ev")[0]!.opts.permission).toBe("gm");
  });
});

describe("sending delegates to the host with the module id", () => {
  it("emit", async () => {
    const { channel, host } = setup();
    const report = await channel.emit("ev", { a: 1 }, { to: "gm", priority: "high" });
    expect(report).toBe(host.report);
    expect(host.calls).toEqual([
      {
        method: "emit",
        channel: "my-module",
        event: "ev",
        data: { a: 1 },
        opts: { to: "gm", priority: "high" },
      },
    ]);
  });

  it("emit without options passes an empty object", async () => {
    const { channel, host } = setup();
    await channel.emit("ev");
    expect(host.calls).toEqual([
      { method: "emit", channel: "my-module", event: "ev", data: undefined, opts: {} },
    ]);
  });

  it("request", async () => {
    const { channel, host } = setup();
    await expect(channel.request("ask", 5, { to: "u3", timeout: 50 })).resolves.toBe("answer:ask");
    await channel.request("ask2", 6);
    expect(host.calls).toEqual([
      { method: "request", channel: "my-module", event: "ask", data: 5, opts: { to: "u3", timeout: 50 } },
      { method: "request", channel: "my-module", event: "ask2", data: 6, opts: {} },
    ]);
  });

  it("requestAll", async () => {
    const { channel, host } = setup();
    const answers = await channel.requestAll("poll", "q", { to: "gms" });
    expect(answers).toBe(host.answers);
    await channel.requestAll("poll2");
    expect(host.calls).toEqual([
      { method: "requestAll", channel: "my-module", event: "poll", data: "q", opts: { to: "gms" } },
      { method: "requestAll", channel: "my-module", event: "poll2", data: undefined, opts: {} },
    ]);
  });
});

describe("bookkeeping", () => {
  it("eventNames lists events with handlers or responders once each, and forgets removed ones", () => {
    const { channel } = setup();
    const offA = channel.on("a", () => 1);
    channel.on("a", () => 2);
    channel.handle("b", () => 1);
    const offC = channel.handle("c", () => 1);
    channel.handle("a", () => 1);
    expect(channel.eventNames().sort()).toEqual(["a", "b", "c"]);
    offC();
    offA();
    expect(channel.eventNames().sort()).toEqual(["a", "b"]);
    channel.dispose();
    expect(channel.eventNames()).toEqual([]);
  });
});

describe("onPeer", () => {
  it("subscribes through the host, and dispose() drops the subscriptions with the handlers", () => {
    const { host, channel } = setup();
    const seen: string[] = [];
    const off = channel.onPeer("join", (p) => void seen.push(p.userId));
    channel.onPeer("leave", (p) => void seen.push(p.userId));
    expect(host.peerListeners.size).toBe(2);
    off();
    expect(host.peerListeners.size).toBe(1);
    channel.dispose();
    expect(host.peerListeners.size).toBe(0);
    expect(() => channel.onPeer("arrive" as never, () => {})).toThrow(/join", "ready" or "leave"/);
  });
});
