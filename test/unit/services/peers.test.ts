/** Peers: the hello protocol's effects, and the pace at which a peer may change its session. */
import { describe, expect, it } from "vitest";
import type { PeerInfo } from "../../../src/contract/types";
import type { Heartbeat } from "../../../src/reliability/heartbeat";
import type { Link } from "../../../src/services/link";
import { Peers, SESSION_CHANGE_EVERY_MS } from "../../../src/services/peers";
import { fixture, user } from "./fixture";

function setup() {
  const f = fixture("gm1", [user("gm1", 4), user("p1", 1), user("p2", 1)]);
  const link = { peersReachable: true, transport: "native", peerBack: () => {} } as unknown as Link;
  const pings: string[][] = [];
  const heartbeat = {
    ping: (to: string[]) => void pings.push(to),
    clocks: { best: () => undefined, latestRtt: () => undefined },
  } as unknown as Heartbeat;
  const restarts: string[] = [];
  const peers = new Peers({
    core: f.core,
    link,
    heartbeat,
    left: () => {},
    restarted: (userId, session) => void restarts.push(`${userId}:${session}`),
  });
  const joins: string[] = [];
  peers.onPeer("join", (p: PeerInfo) => void joins.push(`${p.userId}:${p.session}`));
  const detach = peers.watch();
  const hello = (from: string, session: string) =>
    peers.onHello({ v: "1.0.0", p: 1, tr: "native", s: session }, user(from, 1));
  return { f, peers, hello, restarts, joins, pings, detach };
}

describe("Peers", () => {
  it("a reload (a new session) is a join and restarts that user's reliable streams", () => {
    const { hello, restarts, joins } = setup();
    hello("p1", "a");
    hello("p1", "a");
    hello("p1", "b");
    expect(joins).toEqual(["p1:a", "p1:b"]);
    expect(restarts).toEqual(["p1:b"]);
  });

  it("a peer flipping sessions in its hellos changes it once per window: the newest waits, the rest are counted", () => {
    const { f, hello, restarts, joins } = setup();
    hello("p1", "a");
    hello("p1", "b");
    // 100 hellos in one second, each naming another session, all within the control budget's burst.
    for (let i = 0; i < 100; i++) {
      f.clock.advance(10);
      hello("p1", i % 2 === 0 ? "c" : "d");
    }
    expect(restarts).toEqual(["p1:b"]);
    expect(f.core.counters.dropped("control-limited")).toBe(99);
    // The window ends: the newest session named ("d") takes its turn, once.
    f.clock.advance(SESSION_CHANGE_EVERY_MS);
    expect(restarts).toEqual(["p1:b", "p1:d"]);
    expect(joins).toEqual(["p1:a", "p1:b", "p1:d"]);
  });

  it("the pace is per user: another user's reload is not held back", () => {
    const { hello, restarts } = setup();
    hello("p1", "a");
    hello("p2", "x");
    hello("p1", "b");
    hello("p2", "y");
    expect(restarts).toEqual(["p1:b", "p2:y"]);
  });

  it("a hello waiting for its turn is forgotten when the peers view is detached (shutdown)", () => {
    const { f, hello, restarts, detach } = setup();
    hello("p1", "a");
    hello("p1", "b");
    hello("p1", "c");
    detach();
    f.clock.advance(SESSION_CHANGE_EVERY_MS * 2);
    expect(restarts).toEqual(["p1:b"]);
  });
});
