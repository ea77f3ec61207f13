/** A player whose client does not run Socket Manager, speaking raw JSON on the socket, against real peers. */
import { afterEach, describe, expect, it } from "vitest";
import { encodeEnvelope, encodeFrame } from "../../src/pipeline/codec";
import {
  createWorld,
  NETWORKS,
  type Peer,
  peerOf,
  STANDARD_USERS,
  startPeer,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1", "p2"].includes(u.id));

for (const network of NETWORKS)
  describe(`a hostile player with a raw socket (${network})`, () => {
    let world: World | null = null;
    const peers = new Map<string, Peer>();

    afterEach(async () => {
      stopPeers(peers);
      peers.clear();
      await world?.close();
      world = null;
    });

    it("says hello once and never acks: reliable emits to everyone still settle, naming it as missing", async () => {
      world = await createWorld({ users: USERS, network });
      for (const id of ["gm1", "p1"]) peers.set(id, await startPeer(world.client(id)));
      const mallory = world.client("p2");
      // A hello as Socket Manager would send it: the GM now counts p2 as a peer that runs the module.
      const hello = { v: "1.0.0", p: 1, tr: "native", s: "mallory-session" };
      const env = {
        q: 1,
        k: "hello" as const,
        c: "socket-manager",
        e: "$hello",
        a: world.clock.now(),
        d: hello,
      };
      mallory.socket.emit("module.socket-manager", encodeFrame("mallory-session", [encodeEnvelope(env)]));
      const gm = peerOf(peers, "gm1");
      await waitFor(() => gm.api.peers().find((p) => p.userId === "p2")?.hasModule === true);
      await waitFor(() => gm.api.peers().find((p) => p.userId === "p1")?.hasModule === true);
      const got: unknown[] = [];
      peerOf(peers, "p1")
        .api.channel("demo")
        .on("news", (d) => void got.push(d));
      const report = await gm.api.channel("demo").emit("news", "hi", { reliable: true, timeout: 1500 });
      expect(got).toEqual(["hi"]);
      expect(report.acked).toEqual(["p1"]);
      expect(report.missing).toEqual(["p2"]);
    }, 15_000);
    it("object frames with prototype keys, wrong shapes, huge arrays or deep nesting are refused and counted; honest traffic still arrives", async () => {
      // A relay that lets 4 MB through, so the receive path's own 1 MB bound is what refuses the huge frames.
      world = await createWorld({ users: USERS, network, maxHttpBufferSize: 4_000_000 });
      peers.set("gm1", await startPeer(world.client("gm1")));
      const gm = peerOf(peers, "gm1");
      const got: unknown[] = [];
      gm.api.channel("demo").on("news", (d) => void got.push(d));
      const mallory = world.client("p2");
      const now = world.clock.now();
      const env = (q: number, d: unknown) => [q, 0, "demo", "news", now, 0, d];
      const send = (frame: unknown) => mallory.socket.emit("module.socket-manager", frame);
      let deep: unknown = "bottom";
      for (let i = 0; i < 1_000; i++) deep = { d: deep };
      const before = gm.api.metrics().dropped;

      // JSON.parse makes "__proto__" an own key, as socket.io's parser does on the receiving side.
      send(JSON.parse(`{"v":1,"s":"m1","e":[[1,0,"demo","news",${now},0,{"__proto__":{"x":1}}]]}`));
      send({ v: 1, s: "m1", e: [env(2, { constructor: { prototype: { polluted: true } } })] });
      send({ v: 1, s: "m1", e: [env(3, deep)] });
      send({ v: 1, s: "m1", e: [[4, 0, "demo"], "not an envelope", env(5, "kept")] });
      send({ v: 1, e: [env(6, "no session")] });
      send({ v: 1, s: "m1", e: [env(7, new Array(1_500_000).fill(0))] });
      send({ v: 1, s: "m2", e: new Array(600_000).fill(0) });
      send({ v: 1, s: "m1", e: [env(8, "last")] });

      await waitFor(() => got.length === 2);
      expect(got).toEqual(["kept", "last"]);
      const after = gm.api.metrics().dropped;
      const more = (reason: string) => (after[reason] ?? 0) - (before[reason] ?? 0);
      // Two prototype-key payloads; the deep one and the two envelopes of the wrong shape.
      expect(more("reserved-key")).toBe(2);
      expect(more("envelope-shape")).toBe(3);
      expect(more("malformed")).toBe(1);
      // 3 MB of zeros in one payload, and 600,000 envelope slots: both past 1,000,000 bytes.
      expect(more("oversize")).toBe(2);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    }, 30_000);

    it("a request addressed to nobody in particular is refused and counted by every client, never answered by all", async () => {
      world = await createWorld({ users: USERS, network });
      for (const id of ["gm1", "p1"]) peers.set(id, await startPeer(world.client(id)));
      const gm = peerOf(peers, "gm1");
      const p1 = peerOf(peers, "p1");
      gm.api.channel("demo").handle("ask", () => "from the GM");
      const mallory = world.client("p2");
      const now = world.clock.now();
      const shapeDrops = (p: Peer) => p.api.metrics().dropped["envelope-shape"] ?? 0;
      const before = [shapeDrops(gm), shapeDrops(p1)];
      // Kind 1 is a request. Without targets every client would answer, each with a reply to the whole world.
      mallory.socket.emit("module.socket-manager", {
        v: 1,
        s: "m1",
        e: [[1, 1, "demo", "ask", now, 0, "?"]],
      });
      // The same request addressed to the GM, as an honest client sends it: answered, once.
      mallory.socket.emit("module.socket-manager", {
        v: 1,
        s: "m1",
        e: [[2, 1, "demo", "ask", now, { t: ["gm1"] }, "?"]],
      });
      await waitFor(() => gm.api.metrics().requestsAnswered === 1);
      await waitFor(() => shapeDrops(gm) === (before[0] ?? 0) + 1 && shapeDrops(p1) === (before[1] ?? 0) + 1);
      expect(p1.api.metrics().requestsAnswered).toBe(0);
      expect(gm.api.metrics().requestsAnswered).toBe(1);
    }, 15_000);

    it("event names a player makes up share one counter: they cannot use up the counters of the events this client uses", async () => {
      world = await createWorld({ users: USERS, network });
      for (const id of ["gm1", "p1"]) peers.set(id, await startPeer(world.client(id)));
      const gm = peerOf(peers, "gm1");
      const got: unknown[] = [];
      gm.api.channel("demo").on("news", (d) => void got.push(d));
      const mallory = world.client("p2");
      const now = world.clock.now();
      // 600 made-up events on a channel the GM uses: more than the 512 counters metrics keeps.
      const made = Array.from({ length: 600 }, (_, i) => [i + 1, 0, "demo", `made-up-${i}`, now, 0, i]);
      mallory.socket.emit("module.socket-manager", { v: 1, s: "m1", e: made });
      await waitFor(() => (gm.api.metrics().dropped["no-handler"] ?? 0) >= 600);
      await peerOf(peers, "p1").api.channel("demo").emit("news", "honest");
      await waitFor(() => got.length === 1);
      const events = gm.api.metrics().events;
      expect(events["demo/news"]?.received).toBe(1);
      expect(events["(other)/(other)"]?.received).toBe(600);
      expect(Object.keys(events).some((k) => k.includes("made-up"))).toBe(false);
    }, 15_000);
  });
