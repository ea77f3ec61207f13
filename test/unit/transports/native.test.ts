import { describe, expect, it } from "vitest";
import { NativeTransport } from "../../../src/transports/native";
import { type IncomingFrame, type LinkState, SOCKET_EVENT } from "../../../src/transports/transport";
import { fakeSocket } from "./fake-socket";

function sink() {
  const frames: IncomingFrame[] = [];
  const links: LinkState[] = [];
  return {
    frames,
    links,
    sink: { frame: (f: IncomingFrame) => frames.push(f), connectivity: (s: LinkState) => links.push(s) },
  };
}

describe("NativeTransport", () => {
  it("reads the server-appended sender (the last argument), never a forged one", () => {
    const socket = fakeSocket();
    const s = sink();
    new NativeTransport(socket, s.sink);
    socket.fire(SOCKET_EVENT, "frame-1", "p1");
    socket.fire(SOCKET_EVENT, "frame-2", "gm", "p2");
    expect(s.frames.map((f) => [f.raw, f.senderId, f.via])).toEqual([
      ["frame-1", "p1", "native"],
      ["frame-2", "p2", "native"],
    ]);
  });

  it("an emit without a payload, or without a sender, is handed on empty, to be refused and counted as malformed", () => {
    const socket = fakeSocket();
    const s = sink();
    new NativeTransport(socket, s.sink);
    // The relay appends the sender to an emit that carried nothing: the one argument is the sender.
    socket.fire(SOCKET_EVENT, "p1");
    socket.fire(SOCKET_EVENT);
    socket.fire(SOCKET_EVENT, { v: 1 }, 42);
    expect(s.frames.map((f) => [f.raw, f.senderId])).toEqual([
      [undefined, "p1"],
      [undefined, ""],
      [undefined, ""],
    ]);
  });

  it("unwraps a frame that a socketlib-path client sent", () => {
    const socket = fakeSocket();
    const s = sink();
    new NativeTransport(socket, s.sink);
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: ["inner"], recipient: 2 }, "p1");
    expect(s.frames.map((f) => [f.raw, f.via])).toEqual([["inner", "socketlib"]]);
  });

  it("follows Foundry's socket: up, down, gave-up; it never connects or disconnects it", () => {
    const socket = Object.assign(fakeSocket(), {
      connect: () => {
        throw new Error("Socket Manager must not drive game.socket");
      },
      disconnect: () => {
        throw new Error("Socket Manager must not drive game.socket");
      },
    });
    const s = sink();
    const t = new NativeTransport(socket, s.sink);
    socket.fire("disconnect", "transport close");
    for (let i = 1; i <= 10; i++) socket.fireManager("reconnect_attempt", i);
    socket.fireManager("reconnect_failed");
    socket.fire("connect");
    expect(s.links).toEqual(["down", "gave-up", "up"]);
    t.dispose();
    socket.fire("disconnect");
    socket.fireManager("reconnect_failed");
    socket.fire(SOCKET_EVENT, "after dispose", "p1");
    expect(s.links).toEqual(["down", "gave-up", "up"]);
    expect(s.frames).toEqual([]);
  });

  it("sends a frame as one emit on module.socket-manager, the object itself", () => {
    const socket = fakeSocket();
    const frame = { v: 1, s: "sess", e: [] };
    new NativeTransport(socket, sink().sink).send(frame);
    expect(socket.sent).toEqual([[SOCKET_EVENT, frame]]);
    expect(socket.sent[0]?.[1]).toBe(frame);
  });

  it("hands object frames on as they arrive, unwrapping those a socketlib-path client sent", () => {
    const socket = fakeSocket();
    const s = sink();
    new NativeTransport(socket, s.sink);
    const frame = { v: 1, s: "sess", e: [] };
    socket.fire(SOCKET_EVENT, frame, "p1");
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: [frame], recipient: 2 }, "p2");
    // Anything else still reaches the receive path, which refuses it and counts why.
    socket.fire(SOCKET_EVENT, { handlerName: "frame", type: 0, args: [42] }, "p2");
    expect(s.frames.map((f) => [f.raw, f.senderId, f.via])).toEqual([
      [frame, "p1", "native"],
      [frame, "p2", "socketlib"],
      [{ handlerName: "frame", type: 0, args: [42] }, "p2", "native"],
    ]);
  });
});
