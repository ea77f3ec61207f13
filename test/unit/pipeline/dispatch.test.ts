/** The real Dispatcher: handler order, error isolation, permission and schema, the responder's outcome. */
import { describe, expect, it } from "vitest";
import type { MessageContext } from "../../../src/contract/types";
import type { FoundryUser } from "../../../src/foundry/types";
import type { Logger } from "../../../src/log";
import { Counters } from "../../../src/metrics/counters";
import {
  Dispatcher,
  type HandlerEntry,
  type HandlerSource,
  type ResponderEntry,
} from "../../../src/pipeline/dispatch";

const PLAYER: FoundryUser = { id: "p1", name: "Player", role: 1, isGM: false, active: true };
const GM: FoundryUser = { id: "gm", name: "GM", role: 4, isGM: true, active: true };

function ctx(sender: FoundryUser, event = "e"): MessageContext {
  return {
    moduleId: "mod",
    event,
    messageId: "s:1",
    senderId: sender.id,
    sender,
    sentAt: 0,
    receivedAt: 0,
    latencyMs: 0,
    transport: "native",
    simulated: false,
  };
}

function setup(handlers: HandlerEntry[], responder?: ResponderEntry) {
  const counters = new Counters();
  const logged: unknown[][] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (...a) => void logged.push(a),
  };
  const source: HandlerSource = {
    handlersFor: (event) => (event === "e" ? handlers : []),
    responderFor: (event) => (event === "e" ? responder : undefined),
  };
  const dispatcher = new Dispatcher((id) => (id === "mod" ? source : undefined), counters, log);
  return { dispatcher, counters, logged };
}

const entry = (fn: HandlerEntry["fn"], opts: HandlerEntry["opts"] = {}): HandlerEntry => ({
  fn,
  opts,
  original: fn,
});

describe("Dispatcher.message", () => {
  it("runs the handlers of one event in registration order", async () => {
    const order: number[] = [];
    const { dispatcher } = setup([1, 2, 3].map((n) => entry(() => void order.push(n))));
    await dispatcher.message({}, ctx(PLAYER));
    expect(order).toEqual([1, 2, 3]);
  });

  it("a throwing or rejecting handler is counted and logged and does not stop the next ones", async () => {
    const ran: string[] = [];
    const { dispatcher, counters, logged } = setup([
      entry(() => {
        throw new Error("first throws");
      }),
      entry(async () => {
        throw new Error("second rejects");
      }),
      entry(() => void ran.push("third")),
    ]);
    // Nothing asynchronous to wait for: every handler ran before message() returned.
    expect(dispatcher.message({}, ctx(PLAYER))).toBeUndefined();
    expect(ran).toEqual(["third"]);
    await new Promise((r) => setTimeout(r, 0));
    expect(counters.handlerErrors).toBe(2);
    expect(logged).toHaveLength(2);
  });

  it("a handler that throws what a peer sent, even an object String() cannot convert, stays isolated", async () => {
    // Valid JSON, not a reserved key: String() of it throws "Cannot convert object to primitive value".
    const hostile = JSON.parse('{"toString":1}');
    const ran: string[] = [];
    const { dispatcher, counters, logged } = setup([
      entry((d) => {
        throw d;
      }),
      entry(async (d) => {
        throw d;
      }),
      entry(() => void ran.push("third")),
    ]);
    expect(() => dispatcher.message(hostile, ctx(PLAYER))).not.toThrow();
    expect(ran).toEqual(["third"]);
    await new Promise((r) => setTimeout(r, 0));
    expect(counters.handlerErrors).toBe(2);
    expect(logged).toHaveLength(2);
  });

  it("an asynchronous schema makes message() wait: the handlers after it run once it settled, in order", async () => {
    const ran: string[] = [];
    const asyncDouble = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: async (v: unknown) => ({ value: (v as number) * 2 }),
      },
    };
    const { dispatcher } = setup([
      entry((d) => void ran.push(`first ${d}`)),
      entry((d) => void ran.push(`async ${d}`), { schema: asyncDouble as never }),
      entry((d) => void ran.push(`last ${d}`)),
    ]);
    const pending = dispatcher.message(1, ctx(PLAYER));
    expect(pending).toBeInstanceOf(Promise);
    expect(ran).toEqual(["first 1"]);
    await pending;
    expect(ran).toEqual(["first 1", "async 2", "last 1"]);
  });

  it("each handler's permission is checked against the sender in the context", async () => {
    const ran: string[] = [];
    const { dispatcher, counters } = setup([
      entry(() => void ran.push("gm only"), { permission: "gm" }),
      entry(() => void ran.push("anyone")),
    ]);
    await dispatcher.message({}, ctx(PLAYER));
    await dispatcher.message({}, ctx(GM));
    expect(ran).toEqual(["anyone", "gm only", "anyone"]);
    expect(counters.dropped("permission")).toBe(1);
  });

  it("a schema refuses a payload for its handler only, and hands its output to it", async () => {
    const got: unknown[] = [];
    const numberSchema = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: (v: unknown) =>
          typeof v === "number" ? { value: v * 2 } : { issues: [{ message: "not a number" }] },
      },
    };
    const { dispatcher, counters } = setup([
      entry((d) => void got.push(["schema", d]), { schema: numberSchema }),
      entry((d) => void got.push(["plain", d])),
    ]);
    await dispatcher.message(21, ctx(PLAYER));
    await dispatcher.message("x", ctx(PLAYER));
    expect(got).toEqual([
      ["schema", 42],
      ["plain", 21],
      ["plain", "x"],
    ]);
    expect(counters.dropped("schema")).toBe(1);
  });

  it("no channel and no handler are counted", async () => {
    const { dispatcher, counters } = setup([]);
    await dispatcher.message({}, { ...ctx(PLAYER), moduleId: "other" });
    await dispatcher.message({}, ctx(PLAYER));
    expect(counters.dropped("no-channel")).toBe(1);
    expect(counters.dropped("no-handler")).toBe(1);
  });
});

describe("Dispatcher.request", () => {
  it("returns the responder's value, or its error by name; never throws", async () => {
    const ok = setup([], { fn: (d) => (d as number) + 1, opts: {} });
    expect(await ok.dispatcher.request(1, ctx(PLAYER))).toEqual({ ok: true, value: 2 });
    const failing = setup([], {
      fn: () => {
        throw new Error("boom");
      },
      opts: {},
    });
    expect(await failing.dispatcher.request(1, ctx(PLAYER))).toEqual({
      ok: false,
      code: "RemoteHandlerError",
      message: "boom",
    });
    // A responder that throws (or rejects with) what a peer sent still gets an answer out.
    const hostile = JSON.parse('{"toString":1}');
    for (const fn of [
      (d: unknown) => {
        throw d;
      },
      async (d: unknown) => {
        throw d;
      },
    ]) {
      const thrower = setup([], { fn, opts: {} });
      expect(await thrower.dispatcher.request(hostile, ctx(PLAYER))).toEqual({
        ok: false,
        code: "RemoteHandlerError",
        message: "[object Object]",
      });
    }
    const none = setup([]);
    expect(await none.dispatcher.request(1, ctx(PLAYER))).toMatchObject({
      ok: false,
      code: "NoHandlerError",
    });
    const gmOnly = setup([], { fn: () => 1, opts: { permission: "gm" } });
    expect(await gmOnly.dispatcher.request(1, ctx(PLAYER))).toMatchObject({
      ok: false,
      code: "PermissionDeniedError",
    });
  });
});
