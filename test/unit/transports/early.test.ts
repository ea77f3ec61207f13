import { describe, expect, it } from "vitest";
import {
  EARLY_MAX_EVENTS,
  EARLY_SENDER_MAX_CHARS,
  EARLY_SENDER_MAX_EVENTS,
  EarlyFrames,
  roughSize,
} from "../../../src/transports/early";
import { SOCKET_EVENT } from "../../../src/transports/transport";
import { fakeSocket } from "./fake-socket";

describe("EarlyFrames", () => {
  it("holds frames from the moment it listens and hands them over in order, then stops listening", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    expect(socket.count(SOCKET_EVENT)).toBe(1);
    socket.fire(SOCKET_EVENT, "a", "gm");
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: ["b"] }, "p1");
    socket.fire(SOCKET_EVENT, "c", "p2");
    expect(early.held).toBe(3);
    const got: unknown[][] = [];
    expect(early.drain((args) => got.push(args))).toBe(0);
    expect(got).toEqual([
      ["a", "gm"],
      [{ handlerName: "frame", type: 0, args: ["b"] }, "p1"],
      ["c", "p2"],
    ]);
    expect(socket.count(SOCKET_EVENT)).toBe(0);
    socket.fire(SOCKET_EVENT, "late", "gm");
    expect(early.held).toBe(0);
  });

  it("drops and counts what is not a frame, and everything past its bounds", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    socket.fire(SOCKET_EVENT, { huge: "x".repeat(100) }, "p1");
    socket.fire(SOCKET_EVENT, 42, "p1");
    for (let i = 0; i < EARLY_MAX_EVENTS + 5; i++) socket.fire(SOCKET_EVENT, "f", `u${i % 8}`);
    expect(early.held).toBe(EARLY_MAX_EVENTS);
    expect(early.drain(() => {})).toBe(2 + 5);

    const big = new EarlyFrames(fakeSocket());
    const socket2 = fakeSocket();
    const bounded = new EarlyFrames(socket2);
    // A string costs its length and its two quotes: four senders' full shares fill the total exactly.
    const share = "y".repeat(EARLY_SENDER_MAX_CHARS - 2);
    for (const user of ["gm", "p1", "p2", "p3"]) socket2.fire(SOCKET_EVENT, share, user);
    socket2.fire(SOCKET_EVENT, "z", "p4");
    expect(bounded.held).toBe(4);
    expect(bounded.drain(() => {})).toBe(1);
    big.stop();
  });

  it("holds object frames, bounded by their size: large ones past a sender's share and absurd nesting are dropped", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    const frame = (d: unknown) => ({ v: 1, s: "s", e: [[1, 0, "m", "e", 0, 0, d]] });
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    socket.fire(SOCKET_EVENT, frame("x".repeat(EARLY_SENDER_MAX_CHARS / 2)), "gm");
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: [frame("y")] }, "p1");
    socket.fire(SOCKET_EVENT, frame("z".repeat(EARLY_SENDER_MAX_CHARS)), "p2");
    socket.fire(SOCKET_EVENT, frame(deep), "p3");
    expect(early.held).toBe(2);
    expect(early.drain(() => {})).toBe(2);
  });

  it("no sender holds more than its share of events: a flood from one player leaves room for the others", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    for (let i = 0; i < EARLY_MAX_EVENTS; i++) socket.fire(SOCKET_EVENT, "f", "mallory");
    socket.fire(SOCKET_EVENT, "hello", "gm");
    socket.fire(SOCKET_EVENT, "hello", "p1");
    expect(early.held).toBe(EARLY_SENDER_MAX_EVENTS + 2);
    const got: unknown[][] = [];
    expect(early.drain((args) => got.push(args))).toBe(EARLY_MAX_EVENTS - EARLY_SENDER_MAX_EVENTS);
    expect(got.slice(-2)).toEqual([
      ["hello", "gm"],
      ["hello", "p1"],
    ]);
  });

  it("no sender holds more than its share of characters, wrapped by socketlib or not", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    const frame = (d: unknown) => ({ v: 1, s: "s", e: [[1, 0, "m", "e", 0, 0, d]] });
    const big = frame("x".repeat(EARLY_SENDER_MAX_CHARS / 2));
    socket.fire(SOCKET_EVENT, big, "mallory");
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: [big] }, "mallory");
    socket.fire(SOCKET_EVENT, frame("y"), "mallory");
    socket.fire(SOCKET_EVENT, big, "gm");
    expect(early.held).toBe(3);
    expect(early.drain(() => {})).toBe(1);
  });

  it("keeps only what it charged: the frame and the sender, not what a peer sent along with them", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    const pad = "x".repeat(EARLY_SENDER_MAX_CHARS);
    const frame = { v: 1, s: "s", e: [[1, 0, "m", "e", 0, 0, "d"]] };
    // Beside the wrapped frame, in socketlib's message; and as extra arguments before the server's sender id.
    for (let i = 0; i < 8; i++) {
      socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: [frame], pad }, "mallory");
      socket.fire(SOCKET_EVENT, frame, { pad }, pad, "mallory");
    }
    expect(early.held).toBe(16);
    const got: unknown[][] = [];
    early.drain((args) => got.push(args));
    expect(got.slice(0, 2)).toEqual([
      [{ handlerName: "frame", type: 0, args: [frame] }, "mallory"],
      [frame, "mallory"],
    ]);
    expect(JSON.stringify(got).length).toBeLessThan(16 * 100);
  });
});

describe("roughSize", () => {
  it("counts strings exactly and stops once past its limit", () => {
    expect(roughSize("abc", 100)).toBe(5);
    expect(roughSize({ key: "abc" }, 100)).toBeGreaterThanOrEqual(JSON.stringify({ key: "abc" }).length);
    expect(roughSize(["x".repeat(50), "y".repeat(50)], 60)).toBe(Number.POSITIVE_INFINITY);
    const huge = new Array(1_000_000).fill(0);
    expect(roughSize(huge, 1000)).toBe(Number.POSITIVE_INFINITY);
  });
});
