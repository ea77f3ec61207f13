/** Link: follows Foundry's socket (never drives it), holds early events, holds the outbox replay for peers. */
import { describe, expect, it } from "vitest";
import { encodeEnvelope, encodeFrame } from "../../../src/pipeline/codec";
import { Link, REPLAY_SETTLE_MS } from "../../../src/services/link";
import type { IncomingFrame } from "../../../src/transports/transport";
import { SOCKET_EVENT } from "../../../src/transports/transport";
import { fakeSocket } from "../transports/fake-socket";
import { fixture, user } from "./fixture";

function setup(known: string[] = []) {
  const socket = Object.assign(fakeSocket(), {
    connect: () => {
      throw new Error("must not drive game.socket");
    },
    disconnect: () => {
      throw new Error("must not drive game.socket");
    },
  });
  const f = fixture("p1", [user("gm1", 4), user("p1", 1), user("p2", 1)], socket);
  const received: IncomingFrame[] = [];
  const hellos: boolean[] = [];
  const link = new Link({
    core: f.core,
    receive: (frame) => void received.push(frame),
    connected: (reconnected) => void hellos.push(reconnected),
    knownPeers: () => known,
  });
  const states: string[] = [];
  link.onStateChange((s) => void states.push(s));
  return { f, socket, link, received, hellos, states };
}

describe("Link", () => {
  it("connected, reconnecting while Foundry retries, offline when it gives up, connected again; never drives the socket", () => {
    const { socket, link, states, hellos } = setup();
    link.start();
    socket.connected = false;
    socket.fire("disconnect");
    socket.fireManager("reconnect_failed");
    socket.connected = true;
    socket.fire("connect");
    expect(states).toEqual(["connected", "reconnecting", "offline", "connected"]);
    expect(hellos).toEqual([false, true]);
    expect(link.transport).toBe("native");
  });

  it("holds events from listen() and hands them over after start, at the end of the task", () => {
    const { f, socket, link, received } = setup();
    link.listen();
    const frame = encodeFrame("s", [encodeEnvelope({ q: 1, k: "msg", c: "m", e: "e", a: 0 })]);
    socket.fire(SOCKET_EVENT, frame, "gm1");
    link.start();
    expect(received).toEqual([]);
    f.tasks.endOfTask();
    expect(received.map((r) => r.senderId)).toEqual(["gm1"]);
  });

  it("after a reconnect the outbox waits for every known peer's hello, or REPLAY_SETTLE_MS", () => {
    const { f, socket, link } = setup(["gm1", "p2"]);
    link.start();
    socket.connected = false;
    socket.fire("disconnect");
    socket.connected = true;
    socket.fire("connect");
    expect(link.replayHeld).toBe(true);
    link.peerBack("gm1");
    expect(link.replayHeld).toBe(true);
    link.peerBack("p2");
    expect(link.replayHeld).toBe(false);
    socket.connected = false;
    socket.fire("disconnect");
    socket.connected = true;
    socket.fire("connect");
    expect(link.replayHeld).toBe(true);
    f.clock.advance(REPLAY_SETTLE_MS);
    expect(link.replayHeld).toBe(false);
  });

  it("a peer that let a replay wait run out is not waited for again until it says hello", () => {
    const { f, socket, link } = setup(["gm1", "p2"]);
    link.start();
    const outage = () => {
      socket.connected = false;
      socket.fire("disconnect");
      socket.connected = true;
      socket.fire("connect");
    };
    outage();
    link.peerBack("gm1");
    f.clock.advance(REPLAY_SETTLE_MS);
    expect(link.replayHeld).toBe(false);
    // p2 stayed silent: the next replay waits for gm1 alone.
    outage();
    expect(link.replayHeld).toBe(true);
    link.peerBack("gm1");
    expect(link.replayHeld).toBe(false);
    // Once p2 says hello again, it is waited for again.
    link.peerBack("p2");
    outage();
    link.peerBack("gm1");
    expect(link.replayHeld).toBe(true);
    link.peerBack("p2");
    expect(link.replayHeld).toBe(false);
  });
});
