import { describe, expect, it } from "vitest";
import type { EventInfo } from "../src/index.js";
import { connect, startBridge } from "./helpers.js";

describe("events", () => {
  it("delivers an event to its listeners with who sent it", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url, { world: "w", user: "gm" });
    const got: [unknown, EventInfo][] = [];
    bridge.on("combat.turn", (data, info) => got.push([data, info]));
    bridge.on("other", () => got.push(["wrong listener", {} as EventInfo]));
    client.send({ type: "event", event: "combat.turn", data: { round: 2 }, at: 1234 });
    await client.sync();
    expect(got).toEqual([[{ round: 2 }, { event: "combat.turn", world: "w", user: "gm", at: 1234 }]]);
  });

  it("delivers a batch in order, and a missing data as null", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const got: unknown[] = [];
    bridge.on("a", (data, info) => got.push(["a", data, info.at]));
    bridge.on("b", (data, info) => got.push(["b", data, info.at]));
    client.send({
      type: "events",
      events: [
        { event: "a", data: 1, at: 10 },
        { event: "b", data: [2], at: 11 },
        { event: "a", at: 12 },
      ],
    });
    await client.sync();
    expect(got).toEqual([
      ["a", 1, 10],
      ["b", [2], 11],
      ["a", null, 12],
    ]);
  });

  it("accepts a batch of 1000 events and refuses one of 1001 as a whole", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    let count = 0;
    bridge.on("tick", () => count++);
    const events = (n: number) => Array.from({ length: n }, (_, i) => ({ event: "tick", data: i, at: i }));
    client.send({ type: "events", events: events(1000) });
    client.send({ type: "events", events: events(1001) });
    client.send({
      type: "events",
      events: [
        { event: "tick", data: 1, at: 1 },
        { event: "", data: 1, at: 1 },
      ],
    });
    await client.sync();
    expect(count).toBe(1000);
    expect(bridge.metrics().dropped).toEqual({ invalid: 2 });
  });

  it("stops calling a listener once unsubscribed; others keep theirs", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const first: unknown[] = [];
    const second: unknown[] = [];
    const off = bridge.on("e", (d) => first.push(d));
    bridge.on("e", (d) => second.push(d));
    client.send({ type: "event", event: "e", data: 1, at: 1 });
    await client.sync();
    off();
    off();
    client.send({ type: "event", event: "e", data: 2, at: 2 });
    await client.sync();
    expect(first).toEqual([1]);
    expect(second).toEqual([1, 2]);
  });

  it("reports a throwing listener to onError and still runs the others", async () => {
    const errors: [unknown, string][] = [];
    const { bridge, url } = await startBridge({ onError: (error, where) => errors.push([error, where]) });
    const client = await connect(url);
    const got: unknown[] = [];
    const boom = new Error("boom");
    bridge.on("e", () => {
      throw boom;
    });
    bridge.on("e", (d) => got.push(d));
    client.send({ type: "event", event: "e", data: "x", at: 1 });
    await client.sync();
    expect(got).toEqual(["x"]);
    expect(errors).toEqual([[boom, 'listener of "e"']]);
    expect(bridge.connections).toHaveLength(1);
  });

  it("strips __proto__, constructor and prototype keys from event data", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const got: unknown[] = [];
    bridge.on("e", (d) => got.push(d));
    client.send(
      '{"type":"event","event":"e","at":1,"data":{"ok":1,"__proto__":{"admin":true},"nested":{"constructor":2}}}',
    );
    await client.sync();
    expect(got).toEqual([{ ok: 1, nested: {} }]);
    expect(Object.getPrototypeOf(got[0])).toBe(Object.prototype);
  });
});
