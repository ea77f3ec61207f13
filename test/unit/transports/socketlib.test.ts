import { describe, expect, it } from "vitest";
import type { SocketlibHandler, SocketlibSocket } from "../../../src/foundry/types";
import {
  EARLY_MAX_EVENTS,
  EARLY_SENDER_MAX_CHARS,
  EARLY_SENDER_MAX_EVENTS,
} from "../../../src/transports/early";
import { registerFrameHandler, SocketlibTransport, stopHolding } from "../../../src/transports/socketlib";
import { type IncomingFrame, type LinkState, SOCKETLIB_HANDLER } from "../../../src/transports/transport";
import { fakeSocket } from "./fake-socket";

/** A socketlib socket that records registrations and lets the test call a handler as socketlib would. */
function fakeLib() {
  const handlers = new Map<string, SocketlibHandler>();
  const sent: unknown[][] = [];
  const lib = {
    register(name: string, fn: SocketlibHandler) {
      if (!handlers.has(name)) handlers.set(name, fn);
    },
    executeForOthers: async (name: string, ...args: unknown[]) => {
      sent.push([name, ...args]);
    },
  } as unknown as SocketlibSocket;
  const deliver = (frame: unknown, senderId: string) => {
    const fn = handlers.get(SOCKETLIB_HANDLER);
    if (!fn) throw new Error("SocketlibUnregisteredHandlerError: no handler 'frame'");
    (fn as (this: unknown, ...a: unknown[]) => unknown).call({ socketdata: { userId: senderId } }, frame);
  };
  return { lib, handlers, sent, deliver };
}

function sink() {
  const frames: IncomingFrame[] = [];
  return {
    frames,
    sink: { frame: (f: IncomingFrame) => frames.push(f), connectivity: (_: LinkState) => {} },
  };
}

describe("socketlib transport", () => {
  it("registerFrameHandler (at socketlib.ready) holds frames until the transport attaches, then hands them over first", () => {
    const { lib, deliver, handlers } = fakeLib();
    registerFrameHandler(lib);
    registerFrameHandler(lib);
    expect(handlers.size).toBe(1);
    deliver("early-1", "gm");
    deliver("early-2", "p1");
    const s = sink();
    const t = new SocketlibTransport(lib, fakeSocket(), s.sink);
    deliver("live", "gm");
    expect(s.frames.map((f) => [f.raw, f.senderId, f.via])).toEqual([
      ["early-1", "gm", "socketlib"],
      ["early-2", "p1", "socketlib"],
      ["live", "gm", "socketlib"],
    ]);
    expect(t.earlyDropped).toBe(0);
  });

  it("the early hold is bounded and counts what it drops; a handler call without a sender is ignored", () => {
    const { lib, deliver, handlers } = fakeLib();
    registerFrameHandler(lib);
    for (let i = 0; i < EARLY_MAX_EVENTS + 3; i++) deliver("f", `u${i % 8}`);
    (handlers.get(SOCKETLIB_HANDLER) as (this: unknown, f: unknown) => void).call({}, "no sender");
    const s = sink();
    const t = new SocketlibTransport(lib, fakeSocket(), s.sink);
    expect(s.frames.length).toBe(EARLY_MAX_EVENTS);
    expect(t.earlyDropped).toBe(3);
  });

  it("after dispose frames are dropped, not held; stopHolding releases the hold when native is chosen", () => {
    const { lib, deliver } = fakeLib();
    const s = sink();
    const t = new SocketlibTransport(lib, fakeSocket(), s.sink);
    t.dispose();
    deliver("after", "gm");
    expect(s.frames).toEqual([]);

    const other = fakeLib();
    registerFrameHandler(other.lib);
    stopHolding(other.lib);
    other.deliver("ignored", "gm");
    const s2 = sink();
    new SocketlibTransport(other.lib, fakeSocket(), s2.sink);
    expect(s2.frames).toEqual([]);
  });

  it("sends with executeForOthers and reads text-form native-path frames from game.socket", () => {
    const { lib, sent } = fakeLib();
    const socket = fakeSocket();
    const s = sink();
    const t = new SocketlibTransport(lib, socket, s.sink);
    t.send({ v: 1, s: "out", e: [] });
    expect(sent).toEqual([[SOCKETLIB_HANDLER, { v: 1, s: "out", e: [] }]]);
    socket.fire("module.socket-manager", "native-frame", "p2");
    socket.fire("module.socket-manager", { handlerName: "frame", type: 0, args: ["wrapped"] }, "p2");
    expect(s.frames.map((f) => [f.raw, f.via])).toEqual([["native-frame", "native"]]);
  });

  it("sends object frames as they are and reads native-path object frames; socketlib's own replies pass by", () => {
    const { lib, sent } = fakeLib();
    const socket = fakeSocket();
    const s = sink();
    const t = new SocketlibTransport(lib, socket, s.sink);
    const frame = { v: 1, s: "sess", e: [[1, 0, "m", "e", 0, 0, "hi"]] };
    t.send(frame);
    expect(sent).toEqual([[SOCKETLIB_HANDLER, frame]]);
    socket.fire("module.socket-manager", frame, "p2");
    socket.fire("module.socket-manager", { id: "x", type: 1, result: 3, recipient: ["p1"] }, "p2");
    expect(s.frames.map((f) => [f.raw, f.via])).toEqual([[frame, "native"]]);
  });

  it("the early hold measures object frames: a flood of large ones stops at EARLY_MAX_CHARS", () => {
    const { lib, deliver } = fakeLib();
    registerFrameHandler(lib);
    const big = { v: 1, s: "s", e: [[1, 0, "m", "e", 0, 0, "x".repeat(EARLY_SENDER_MAX_CHARS / 2)]] };
    for (let i = 0; i < 10; i++) deliver(big, `u${i}`);
    const s = sink();
    const t = new SocketlibTransport(lib, fakeSocket(), s.sink);
    expect(s.frames).toHaveLength(7);
    expect(t.earlyDropped).toBe(3);
  });

  it("no sender holds more than its share of the early hold, in events or in characters", () => {
    const { lib, deliver } = fakeLib();
    registerFrameHandler(lib);
    for (let i = 0; i < EARLY_MAX_EVENTS; i++) deliver("f", "mallory");
    const big = { v: 1, s: "s", e: [[1, 0, "m", "e", 0, 0, "x".repeat(EARLY_SENDER_MAX_CHARS / 2)]] };
    for (let i = 0; i < 3; i++) deliver(big, "eve");
    deliver("hello", "gm");
    const s = sink();
    const t = new SocketlibTransport(lib, fakeSocket(), s.sink);
    expect(s.frames.filter((f) => f.senderId === "mallory")).toHaveLength(EARLY_SENDER_MAX_EVENTS);
    expect(s.frames.filter((f) => f.senderId === "eve")).toHaveLength(1);
    expect(s.frames.at(-1)?.raw).toBe("hello");
    expect(t.earlyDropped).toBe(EARLY_MAX_EVENTS - EARLY_SENDER_MAX_EVENTS + 2);
  });
});
