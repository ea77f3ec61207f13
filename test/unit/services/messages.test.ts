/** The Messages service: what this client's own handlers get of its emits, and `simulate()`. */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import type { MessageContext } from "../../../src/contract/types";
import { Dispatcher, type HandlerEntry } from "../../../src/pipeline/dispatch";
import type { Envelope } from "../../../src/pipeline/envelope";
import { messageContext } from "../../../src/services/context";
import type { LazyReliable } from "../../../src/services/lazy-reliable";
import { Messages } from "../../../src/services/messages";
import { fixture, user } from "./fixture";

function setup() {
  const f = fixture("p1", [user("gm1", 4), user("p1", 1)]);
  const received: { data: unknown; ctx: MessageContext }[] = [];
  const handlers: HandlerEntry[] = [];
  const on = (fn: (data: unknown) => void) => {
    const handler = (data: unknown, ctx: MessageContext) => {
      received.push({ data, ctx });
      fn(data);
    };
    handlers.push({ fn: handler, opts: {}, original: handler });
  };
  const dispatcher = new Dispatcher(
    () => ({ handlersFor: () => handlers, responderFor: () => undefined }),
    f.core.counters,
    f.core.log,
  );
  const messages = new Messages({
    core: f.core,
    dispatcher,
    reliable: {} as LazyReliable,
    transport: () => "native",
    localContext: (env: Envelope, id: string, simulated: boolean, from?: string) => {
      const sender = f.core.roster.user(from ?? "p1");
      return sender ? messageContext(env, id, sender, "native", simulated, f.clock.now(), () => 0) : null;
    },
  });
  return { f, messages, received, on };
}

describe("Messages", () => {
  it("gives this client's handlers a copy of their own, as JSON carries it, when an emit includes this client", async () => {
    const { f, messages, received, on } = setup();
    on((data) => {
      (data as { list: number[] }).list.push(99);
    });
    const payload = { list: [1, 2], gone: undefined, zero: -0 };
    await messages.emit("mod", "ev", payload, { to: "all" });
    f.tasks.endOfTask();
    expect(received).toHaveLength(1);
    expect(received[0]?.data).toEqual({ list: [1, 2, 99], zero: 0 });
    expect(Object.hasOwn(received[0]?.data as object, "gone")).toBe(false);
    // The handler's change reached neither the caller's object nor what travelled.
    expect(payload.list).toEqual([1, 2]);
    expect(f.sent()[0]?.d).toEqual({ list: [1, 2], zero: 0 });
  });

  it("copies and checks an emit only this client gets with the same walk, naming what cannot travel", async () => {
    const { f, messages, received, on } = setup();
    on(() => {});
    const payload = { a: { b: 1 }, gone: undefined };
    await messages.emit("mod", "ev", payload, { to: "self" });
    f.tasks.endOfTask();
    const got = received[0]?.data as typeof payload | undefined;
    expect(got).toEqual({ a: { b: 1 } });
    expect(Object.hasOwn(got as object, "gone")).toBe(false);
    expect(got).not.toBe(payload);
    expect(got?.a).not.toBe(payload.a);
    expect(f.sent()).toHaveLength(0);
    const error = await messages.emit("mod", "ev", { when: new Date(0) }, { to: "self" }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain("data.when is an instance of Date");
  });

  it("simulate() hands the handlers the payload as JSON carries it, from the user named", async () => {
    const { messages, received, on } = setup();
    on(() => {});
    const payload = { n: 1, skip: undefined };
    await messages.simulate("mod", "ev", payload, "gm1");
    expect(received[0]?.data).toEqual({ n: 1 });
    expect(Object.hasOwn(received[0]?.data as object, "skip")).toBe(false);
    expect(received[0]?.data).not.toBe(payload);
    expect(received[0]?.ctx).toMatchObject({ senderId: "gm1", simulated: true });
    await expect(messages.simulate("mod", "ev", { f: () => 1 })).rejects.toThrow("data.f is a function");
  });
  it("a volatile emit is never coalesced unless it names a key; emits that share a key replace each other", async () => {
    const { f, messages } = setup();
    for (let i = 0; i < 3; i++) await messages.emit("mod", "cursor", i, { volatile: true });
    for (let i = 0; i < 3; i++) await messages.emit("mod", "pos", i, { volatile: true, coalesce: "token" });
    for (let i = 0; i < 2; i++) await messages.emit("mod", "plain", i, { priority: "low" });
    f.tasks.endOfTask();
    f.clock.advance(1_000);
    const sent = f.sent().map((e) => `${e.e}:${e.d}`);
    expect(sent).toEqual(["cursor:0", "cursor:1", "cursor:2", "pos:2", "plain:0", "plain:1"]);
    expect(f.core.counters.coalesced).toBe(2);
  });
});
