/**
 * The manager in Foundry's lifecycle, over a hand-driven socket and clock: users appear late, the socket is
 * Foundry's, early events are held and replayed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import type { FoundryEnv, FoundryUser } from "../../src/foundry/types";
import type { Logger } from "../../src/log";
import { SocketManager } from "../../src/manager";
import { encodeEnvelope, encodeFrame } from "../../src/pipeline/codec";
import { requestsChunk } from "../../src/services/lazy-requests";
import { SOCKET_EVENT } from "../../src/transports/transport";
import { createHooks } from "../harness/hooks";
import { fakeEnv, usersOf } from "./fake-env";
import { DeferQueue, FakeClock } from "./support";
import { fakeSocket } from "./transports/fake-socket";

const GM: FoundryUser = { id: "gm", name: "GM", role: 4, isGM: true, active: true };
const P1: FoundryUser = { id: "p1", name: "Player", role: 1, isGM: false, active: true };

/** p1's client: users exist only once `loaded` is set, as in Foundry from setup on. */
function client() {
  const socket = fakeSocket();
  const state = { loaded: false };
  const logged: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (...a) => void logged.push(`warn ${a.join(" ")}`),
    error: (...a) => void logged.push(`error ${a.join(" ")}`),
  };
  const env: FoundryEnv = {
    userId: "p1",
    get users() {
      return state.loaded ? usersOf([GM, P1]) : usersOf([]);
    },
    get usersLoaded() {
      return state.loaded;
    },
    socket,
    hooks: createHooks(),
    socketlib: { active: false, socket: null },
    notify: () => {},
    localize: (key) => key,
  };
  const clock = new FakeClock(1_000_000);
  const tasks = new DeferQueue();
  const manager = new SocketManager({
    env,
    clock,
    defer: tasks.defer,
    logger,
    config: { heartbeatInterval: 0 },
  });
  const api = createApi(manager);
  return { socket, state, logged, manager, api, clock, tasks };
}

function frameFrom(session: string, q: number, clock: FakeClock, data: unknown): string {
  return encodeFrame(session, [
    encodeEnvelope({ q, k: "msg", c: "demo", e: "tick", a: clock.now(), d: data }),
  ]);
}

describe("SocketManager in Foundry's lifecycle", () => {
  // The request below follows the fake clock task by task: its chunk is loaded first.
  beforeAll(() => requestsChunk.load());

  it("reads users at use: built at init with no users, it knows the GM once Foundry has loaded them", () => {
    const c = client();
    c.manager.listen();
    c.state.loaded = true;
    c.manager.start();
    expect(c.logged).toEqual([]);
    expect(c.api.peers().map((p) => p.userId)).toEqual(["gm"]);
  });

  it("logs one clear error when started before Foundry loaded its users", () => {
    const c = client();
    c.manager.start();
    expect(c.logged.filter((l) => l.startsWith("error"))).toHaveLength(1);
    expect(c.logged[0]).toContain("game.users is not loaded yet");
  });

  it("holds events from init and handles each once after start, though the replay delivers it twice", () => {
    const c = client();
    const got: unknown[] = [];
    c.api.channel("demo").on("tick", (d) => void got.push(d));
    c.manager.listen();
    const one = frameFrom("gmsession", 1, c.clock, 1);
    const two = frameFrom("gmsession", 2, c.clock, 2);
    c.socket.fire(SOCKET_EVENT, one, "gm");
    c.socket.fire(SOCKET_EVENT, two, "gm");
    // Foundry replays every recorded event just before ready.
    c.socket.fire(SOCKET_EVENT, one, "gm");
    c.socket.fire(SOCKET_EVENT, two, "gm");
    c.state.loaded = true;
    c.manager.start();
    expect(got).toEqual([]);
    c.tasks.endOfTask();
    expect(got).toEqual([1, 2]);
    expect(c.api.metrics().dropped.duplicate).toBe(2);
  });

  it("while Foundry retries, a request to the GM is never answered here: it times out, however long the outage", async () => {
    const c = client();
    c.state.loaded = true;
    c.api.configure({ initialReconnectionDelay: 10, maxReconnectionDelay: 20, maxReconnectionAttempts: 1 });
    c.manager.start();
    c.api.channel("demo").handle("who", () => "mine");
    c.socket.connected = false;
    c.socket.fire("disconnect", "transport close");
    c.clock.advance(60_000);
    expect(c.api.state).toBe("reconnecting");
    expect(c.api.transport).toBe("native");
    const answer = c.api.channel("demo").request("who", null, { timeout: 5000 });
    const settled = answer.then(
      (v) => ({ ok: true, v }),
      (e: Error) => ({ ok: false, name: e.name }),
    );
    c.tasks.endOfTask();
    c.clock.advance(5000);
    expect(await settled).toEqual({ ok: false, name: "TimeoutError" });
    c.socket.fireManager("reconnect_failed");
    expect(c.api.state).toBe("offline");
  });
});

describe("peer lifecycle (channel.onPeer)", () => {
  it("join on a new session's hello, ready on its first round trip, leave when it goes; a reload is a leave and a join", () => {
    const socket = fakeSocket();
    const users: FoundryUser[] = [GM, P1];
    const env = fakeEnv({ me: "p1", users, socket });
    const clock = new FakeClock(1_000_000);
    const tasks = new DeferQueue();
    const manager = new SocketManager({ env, clock, defer: tasks.defer, config: { heartbeatInterval: 0 } });
    const api = createApi(manager);
    manager.start();
    const events: string[] = [];
    const hooks: string[] = [];
    const ch = api.channel("my-module");
    for (const kind of ["join", "ready", "leave"] as const) {
      ch.onPeer(
        kind,
        (peer) => void events.push(`${kind} ${peer.userId} ${peer.session} ${peer.moduleVersion}`),
      );
    }
    env.hooks.on(
      "socket-manager.peerJoined",
      ((p: { session: string }) => void hooks.push(`joined ${p.session}`)) as never,
    );
    env.hooks.on(
      "socket-manager.peerLeft",
      ((p: { session: string }) => void hooks.push(`left ${p.session}`)) as never,
    );
    let q = 0;
    const from = (kind: "hello" | "pong", d: unknown, session: string) =>
      socket.fire(
        SOCKET_EVENT,
        encodeFrame(session, [
          encodeEnvelope({ q: ++q, k: kind, c: "socket-manager", e: `$${kind}`, a: clock.now(), d }),
        ]),
        "gm",
      );
    from("hello", { v: "1.0.0", p: 1, tr: "native", s: "s1" }, "s1");
    from("hello", { v: "1.0.0", p: 1, tr: "native", s: "s1" }, "s1");
    from("pong", [clock.now(), clock.now(), clock.now()], "s1");
    from("pong", [clock.now(), clock.now(), clock.now()], "s1");
    q = 0;
    from("hello", { v: "1.1.0", p: 1, tr: "native", s: "s2" }, "s2");
    env.hooks.callAll("userConnected", { ...GM, active: false }, false);
    expect(events).toEqual([
      "join gm s1 1.0.0",
      "ready gm s1 1.0.0",
      "leave gm s1 1.1.0",
      "join gm s2 1.1.0",
      "leave gm s2 1.1.0",
    ]);
    expect(hooks).toEqual(["joined s1", "left s1", "joined s2", "left s2"]);
    manager.dispose();
  });
});
