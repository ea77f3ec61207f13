/** The route table at the end of the receive path, and the contexts handlers get. */
import { describe, expect, it } from "vitest";
import type { MessageContext } from "../../../src/contract/types";
import type { Envelope } from "../../../src/pipeline/envelope";
import type { Accepted } from "../../../src/pipeline/receive";
import { Contexts } from "../../../src/services/context";
import { createRouter, type Route } from "../../../src/services/router";
import { fixture, user } from "./fixture";

function accepted(env: Envelope, senderId: string): Accepted {
  return {
    env,
    bytes: 10,
    from: {
      session: "theirsession",
      sender: user(senderId, senderId.startsWith("gm") ? 4 : 1),
      via: "native",
      simulated: false,
      receivedAt: 1_000_050,
    },
  };
}

describe("router and contexts", () => {
  const f = fixture("gm1", [user("gm1", 4), user("p1", 1)]);
  const contexts = new Contexts({
    user: (id) => f.core.roster.user(id),
    now: () => f.clock.now(),
    latency: (sentAt, _sender, at) => at - sentAt,
    transport: () => "native",
  });

  it("the context names the server-stamped sender, never one written in the payload", () => {
    const seen: MessageContext[] = [];
    const route = createRouter(f.core, (m) => contexts.remote(m), {
      routes: { msg: (m, context) => void seen.push(context(m)) } as Record<Envelope["k"], Route | undefined>,
      waitFor: () => null,
    });
    const forged = { senderId: "gm1", sender: { id: "gm1", isGM: true }, userId: "gm1" };
    route.accept(accepted({ q: 7, k: "msg", c: "mod", e: "ev", a: 1_000_000, d: forged }, "p1"));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      senderId: "p1",
      messageId: "theirsession:7",
      moduleId: "mod",
      event: "ev",
      latencyMs: 50,
      simulated: false,
    });
    expect(seen[0]?.sender.isGM).toBe(false);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  it("each kind goes to its route; a kind without one is dropped and counted", () => {
    const hits: string[] = [];
    const route = createRouter(f.core, (m) => contexts.remote(m), {
      routes: {
        msg: () => void hits.push("msg"),
        req: () => void hits.push("req"),
        res: () => void hits.push("res"),
        err: undefined,
        hello: undefined,
        ping: undefined,
        pong: undefined,
        ack: undefined,
        chunk: undefined,
      },
      waitFor: () => null,
    });
    const before = f.core.counters.dropped("envelope-shape");
    for (const k of ["msg", "req", "res", "chunk"] as const)
      route.accept(accepted({ q: 1, k, c: "m", e: "e", a: 0 }, "p1"));
    expect(hits).toEqual(["msg", "req", "res"]);
    expect(f.core.counters.dropped("envelope-shape")).toBe(before + 1);
  });

  it("a local context is from this user (or `from`), on this client's transport; unknown users get none", () => {
    const env: Envelope = { q: 1, k: "msg", c: "mod", e: "ev", a: f.clock.now() };
    expect(contexts.local(env, "id", true, "p1")).toMatchObject({
      senderId: "p1",
      simulated: true,
      transport: "native",
    });
    expect(contexts.local(env, "id", false, "nobody")).toBeNull();
  });
});
