import { describe, expect, it } from "vitest";
import { EARLY_MAX_CHARS, EARLY_MAX_EVENTS, EarlyFrames, roughSize } from "../../../src/transports/early";
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
    for (let i = 0; i < EARLY_MAX_EVENTS + 5; i++) socket.fire(SOCKET_EVENT, "f", "gm");
    expect(early.held).toBe(EARLY_MAX_EVENTS);
    expect(early.drain(() => {})).toBe(2 + 5);

    const big = new EarlyFrames(fakeSocket());
    const socket2 = fakeSocket();
    const bounded = new EarlyFrames(socket2);
    const half = "y".repeat(EARLY_MAX_CHARS / 2);
    socket2.fire(SOCKET_EVENT, half, "gm");
    socket2.fire(SOCKET_EVENT, half, "gm");
    socket2.fire(SOCKET_EVENT, "z", "gm");
    expect(bounded.held).toBe(2);
    expect(bounded.drain(() => {})).toBe(1);
    big.stop();
  });

  it("holds object frames, bounded by their size: large ones past EARLY_MAX_CHARS and absurd nesting are dropped", () => {
    const socket = fakeSocket();
    const early = new EarlyFrames(socket);
    const frame = (d: unknown) => ({ v: 1, s: "s", e: [[1, 0, "m", "e", 0, 0, d]] });
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    socket.fire(SOCKET_EVENT, frame("x".repeat(EARLY_MAX_CHARS / 2)), "gm");
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: [frame("y")] }, "p1");
    socket.fire(SOCKET_EVENT, frame("z".repeat(EARLY_MAX_CHARS / 2)), "gm");
    socket.fire(SOCKET_EVENT, frame(deep), "p2");
    expect(early.held).toBe(2);
    expect(early.drain(() => {})).toBe(2);
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
