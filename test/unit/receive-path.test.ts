/**
 * The whole receive path (native listener → decode → checks → routing) under thousands of random and
 * malformed frames: nothing throws out of it, nothing reaches a handler, every refusal is counted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import type { FoundryEnv, FoundrySocket, FoundryUser } from "../../src/foundry/types";
import { SocketManager } from "../../src/manager";
import { createHooks } from "../harness/hooks";

type Listener = (...args: unknown[]) => void;

/** A connected socket.io-like socket whose incoming messages the test delivers by hand. */
function fakeSocket() {
  const listeners = new Map<string, Listener[]>();
  const socket = {
    connected: true,
    emit: () => true,
    on(event: string, fn: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return socket;
    },
    off(event: string, fn?: Listener) {
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((l) => fn !== undefined && l !== fn),
      );
      return socket;
    },
  };
  const deliver = (payload: unknown, senderId: string) => {
    for (const fn of listeners.get("module.socket-manager") ?? []) fn(payload, senderId);
  };
  return { socket: socket as unknown as FoundrySocket, deliver };
}

function receiver() {
  const users: FoundryUser[] = [
    { id: "gm", name: "GM", role: 4, isGM: true, active: true },
    { id: "p1", name: "Player", role: 1, isGM: false, active: true },
  ];
  const { socket, deliver } = fakeSocket();
  const env: FoundryEnv = {
    userId: "gm",
    users: {
      get: (id: string) => users.find((u) => u.id === id),
      [Symbol.iterator]: () => users[Symbol.iterator](),
      activeGM: users[0],
    },
    socket,
    hooks: createHooks(),
    socketlib: { active: false, socket: null },
    notify: () => {},
    localize: (key) => key,
  };
  const manager = new SocketManager({ env, config: { heartbeatInterval: 0 }, version: "test" });
  const api = createApi(manager);
  manager.start();
  let reached = 0;
  api.channel("target-mod").on("target-event", () => {
    reached++;
  });
  api.channel("target-mod").handle("target-request", () => {
    reached++;
    return 1;
  });
  return { api, manager, deliver, reached: () => reached };
}

/**
 * A frame that would reach the handler, as a plain object to break in one place. Its one envelope is in
 * wire form: `[q, kind code (0 = msg), channel, event, sentAt, extras, payload]`.
 */
function validFrame(q: number): Record<string, unknown> {
  return {
    v: 1,
    s: "sess1",
    e: [[q, 0, "target-mod", "target-event", Date.now(), { t: ["gm"] }, { x: 1 }]],
  };
}

type Mutation = (frame: Record<string, unknown>) => unknown;
const envelopeOf = (f: Record<string, unknown>) => (f.e as unknown[][])[0] as unknown[];
/** Replaces (or, with undefined, removes) one place of the wire envelope. */
const breakAt =
  (index: number, value: unknown): Mutation =>
  (f) => {
    const env = envelopeOf(f);
    if (value === undefined) env.splice(index, 1);
    else env[index] = value;
    return JSON.stringify(f);
  };
/** Replaces one field of the envelope's extras object. */
const breakExtra =
  (key: string, value: unknown): Mutation =>
  (f) => {
    (envelopeOf(f)[5] as Record<string, unknown>)[key] = value;
    return JSON.stringify(f);
  };

/** Each of these breaks exactly one thing a valid frame needs. */
const MUTATIONS: Mutation[] = [
  (f) => JSON.stringify({ ...f, v: 2 }),
  (f) => JSON.stringify({ ...f, v: "1" }),
  (f) => JSON.stringify({ ...f, s: 7 }),
  (f) => JSON.stringify({ ...f, s: "" }),
  (f) => JSON.stringify({ ...f, e: "not an array" }),
  (f) => JSON.stringify(f).slice(0, -3),
  (f) => [f],
  breakAt(0, 0),
  breakAt(0, -4),
  breakAt(0, 1.5),
  breakAt(0, "12"),
  breakAt(0, undefined),
  breakAt(1, "msg"),
  breakAt(1, 99),
  breakAt(1, -1),
  breakAt(2, ""),
  breakAt(2, "x".repeat(65)),
  breakAt(3, null),
  breakAt(4, "yesterday"),
  breakAt(4, undefined),
  breakAt(5, null),
  breakAt(5, 1),
  breakAt(7, "one place too many"),
  breakExtra("t", "gm"),
  breakExtra("t", [7]),
  breakExtra("t", ["someone-else"]),
  breakExtra("r", 5),
  breakExtra("f", "1"),
  breakExtra("o", [1, 2]),
];

describe("the receive path under hostile input", () => {
  it("property: random values, strings and JSON never throw out and never reach a handler", () => {
    const r = receiver();
    let frames = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.jsonValue().map((d) => JSON.stringify({ v: 1, s: "r", e: [d] })),
          fc
            .record({ v: fc.jsonValue(), s: fc.jsonValue(), e: fc.array(fc.jsonValue()) })
            .map((o) => JSON.stringify(o)),
        ),
        fc.constantFrom("p1", "gm", "stranger"),
        (raw, sender) => {
          frames++;
          expect(() => r.deliver(raw, sender)).not.toThrow();
        },
      ),
      { numRuns: 3000 },
    );
    expect(r.reached()).toBe(0);
    expect(r.api.metrics().framesReceived).toBe(frames);
    r.manager.dispose();
  });

  it("property: every way of breaking a valid frame is refused and counted once, never handled", () => {
    const r = receiver();
    let q = 1;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MUTATIONS.length - 1 }), (index) => {
        const before = r.api.metrics();
        const raw = (MUTATIONS[index] as Mutation)(validFrame(q++));
        expect(() => r.deliver(raw, "p1")).not.toThrow();
        const after = r.api.metrics();
        const refusals = after.droppedTotal + after.notForMe - before.droppedTotal - before.notForMe;
        expect(refusals).toBe(1);
      }),
      { numRuns: 2000 },
    );
    expect(r.reached()).toBe(0);
    r.manager.dispose();
  });

  it("the unbroken frame does reach the handler (the test can fail)", async () => {
    const r = receiver();
    r.deliver(JSON.stringify(validFrame(1)), "p1");
    await Promise.resolve();
    expect(r.reached()).toBe(1);
    r.manager.dispose();
  });

  it("a message rebuilt from chunks passes the prototype-key defence too: a __proto__ inside is refused", async () => {
    const r = receiver();
    /** A message cut in two chunks (kind code 8), as another client's pipeline would cut it. */
    const chunked = (q: number, payloadJson: string) => {
      const text = `[${q},0,"target-mod","target-event",${Date.now()},{"t":["gm"]},${payloadJson}]`;
      const half = Math.floor(text.length / 2);
      const piece = (i: number, p: string) => [
        q + 1 + i,
        8,
        "target-mod",
        "target-event",
        Date.now(),
        { t: ["gm"] },
        [q, i, 2, p],
      ];
      return { v: 1, s: "sess2", e: [piece(0, text.slice(0, half)), piece(1, text.slice(half))] };
    };
    r.deliver(chunked(10, '{"__proto__":{"polluted":true},"x":1}'), "p1");
    await Promise.resolve();
    expect(r.reached()).toBe(0);
    expect(r.api.metrics().dropped["reserved-key"]).toBe(1);
    expect(r.api.metrics().dropped["chunk-invalid"]).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    r.deliver(chunked(20, '{"x":1}'), "p1");
    await Promise.resolve();
    expect(r.reached()).toBe(1);
    r.manager.dispose();
  });
});
