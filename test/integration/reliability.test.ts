/**
 * Fault injection over real socket.io: the relay dies and comes back, stays down past the reconnection
 * attempts, clocks disagree, frames are replayed. Nothing may hang and nothing may be lost silently.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock";
import { encodeEnvelope, encodeFrame } from "../../src/pipeline/codec";
import {
  CONTRACT_RUNS,
  createWorld,
  delivered,
  type Peer,
  peerOf,
  rejectionOf,
  STANDARD_USERS,
  startPeer,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1", "p2"].includes(u.id));
/** Fast reconnection policy so faults play out in well under a second. */
const FAST = {
  initialReconnectionDelay: 20,
  maxReconnectionDelay: 100,
  maxReconnectionAttempts: 3,
  heartbeatInterval: 200,
} as const;

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`reliability under faults (${name})`, () => {
    let world: World;
    let peers: Map<string, Peer>;
    const peer = (id: string): Peer => peerOf(peers, id);

    async function start(
      config: Record<string, unknown> = {},
      clocks: Record<string, Clock> = {},
    ): Promise<void> {
      world = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      peers = new Map();
      for (const [id, client] of world.clients) {
        const clock = clocks[id];
        peers.set(id, await startPeer(client, { ...FAST, ...config }, clock ? { clock } : {}));
      }
      // Everyone has said hello to everyone.
      await waitFor(() => [...peers.values()].every((p) => p.api.status().peersWithModule === 2));
    }

    beforeEach(() => {
      peers = new Map();
    });

    afterEach(async () => {
      stopPeers(peers);
      await world?.close();
    });

    it("the relay dies mid-stream: queued messages arrive after its return, reliable ones exactly once and in order, volatile ones are counted dropped", async () => {
      await start();
      const plain: number[] = [];
      const reliable: number[] = [];
      const volatile: number[] = [];
      const gm = peer("gm1").api.channel("demo");
      gm.on("plain", (n) => void plain.push(n as number));
      gm.on("reliable", (n) => void reliable.push(n as number));
      gm.on("volatile", (n) => void volatile.push(n as number));
      const p1 = peer("p1").api.channel("demo");

      // Before the fault.
      const early: Promise<unknown>[] = [];
      for (let i = 0; i < 5; i++) {
        void p1.emit("plain", i);
        early.push(p1.emit("reliable", i, { reliable: true, to: "gm", timeout: 8000 }));
      }
      await waitFor(() => plain.length === 5 && reliable.length === 5);

      await world.relay.stop();
      await waitFor(() => peer("p1").api.state !== "connected" && peer("gm1").api.state !== "connected");

      // While the relay is down.
      const during: Promise<{ acked?: string[]; queued: boolean }>[] = [];
      const plainReports: Promise<{ queued: boolean }>[] = [];
      for (let i = 5; i < 15; i++) {
        plainReports.push(p1.emit("plain", i));
        during.push(p1.emit("reliable", i, { reliable: true, to: "gm", timeout: 8000 }));
        void p1.emit("volatile", i, { volatile: true });
      }
      expect((await Promise.all(plainReports)).every((r) => r.queued)).toBe(true);
      expect(peer("p1").api.status().outbox).toBeGreaterThanOrEqual(20);
      expect(peer("p1").api.metrics().dropped["volatile-offline"]).toBe(10);

      await world.relay.restart();
      const reports = await Promise.all([...early, ...during]);
      await waitFor(() => plain.length === 15, { timeout: 5000 });
      await delivered(peers, "p1");

      expect(plain).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(reliable).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(volatile).toEqual([]);
      for (const report of reports.slice(5)) expect((report as { acked?: string[] }).acked).toEqual(["gm1"]);
      expect(peer("p1").api.metrics().reconnections).toBeGreaterThanOrEqual(1);
      expect(peer("p1").api.status().outbox).toBe(0);
    });

    it("reliable across an outage longer than maxMessageAge: whatever the sender reports acked ran on the receiver once, in order", async () => {
      await start({ maxMessageAge: 1000 });
      const ran: number[] = [];
      peer("p2")
        .api.channel("demo")
        .on("r", (n) => void ran.push(n as number));
      const gm = peer("gm1").api.channel("demo");
      world.relay.cutUser("p2", 2500);
      await waitFor(() => peer("p2").api.state === "reconnecting");
      const reports: Promise<{ acked?: string[] }>[] = [];
      for (let i = 0; i < 30; i++)
        reports.push(gm.emit("r", i, { reliable: true, to: ["p2"], timeout: 20_000 }));
      const settled = await Promise.all(reports);
      for (const report of settled) expect(report.acked).toEqual(["p2"]);
      expect(ran).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }, 30_000);

    it("1,000 requests in flight while the relay restarts within their timeout: all answered, none run twice", async () => {
      await start();
      const runs = new Map<number, number>();
      peer("gm1")
        .api.channel("demo")
        .handle("double", (n) => {
          runs.set(n as number, (runs.get(n as number) ?? 0) + 1);
          return (n as number) * 2;
        });
      const p1 = peer("p1").api.channel("demo");
      const N = 1000;
      const answers = Array.from({ length: N }, (_, i) =>
        p1.request<number>("double", i, { timeout: 20_000 }),
      );
      // Some are answered, some are on the wire when the relay dies, the rest wait in the outbox.
      await waitFor(() => runs.size > 0, { timeout: 5000 });
      await world.relay.stop();
      await waitFor(
        () => peer("p1").api.state === "reconnecting" && peer("gm1").api.state === "reconnecting",
      );
      await world.relay.restart();
      expect(await Promise.all(answers)).toEqual(Array.from({ length: N }, (_, i) => i * 2));
      expect(runs.size).toBe(N);
      expect([...runs].filter(([, count]) => count !== 1)).toEqual([]);
    }, 30_000);

    it("after a restart, hellos pass the replay hold: it ends as soon as every peer is back, not on its timer", async () => {
      await start();
      await world.relay.stop();
      await waitFor(() => [...peers.values()].every((p) => p.api.state !== "connected"));
      await world.relay.restart();
      await waitFor(() => [...peers.values()].every((p) => p.api.state === "connected"), { timeout: 5000 });
      // The hold (REPLAY_SETTLE_MS = 3 s) must be released by the peers' hellos well before its timer.
      await waitFor(() => [...peers.values()].every((p) => !p.manager.replayHeld), { timeout: 1500 });
      const got: number[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("x", (n) => void got.push(n as number));
      await peer("p1").api.channel("demo").emit("x", 1);
      await waitFor(() => got.length === 1, { timeout: 1000 });
    });

    it("a reliable message refused at send (too large) leaves no gap: the next reliable message still arrives", async () => {
      await start({ maxPayloadBytes: 50_000 });
      const got: number[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("r", (n) => void got.push(typeof n === "number" ? n : -1));
      const p1 = peer("p1").api.channel("demo");
      await expect(p1.emit("r", 1, { reliable: true, to: "gm", timeout: 3000 })).resolves.toMatchObject({
        acked: ["gm1"],
      });
      const err = await rejectionOf(
        p1.emit("r", "x".repeat(60_000), { reliable: true, to: "gm", timeout: 3000 }),
      );
      expect(err).toBeInstanceOf(peer("p1").api.errors.PayloadTooLargeError);
      await expect(p1.emit("r", 2, { reliable: true, to: "gm", timeout: 3000 })).resolves.toMatchObject({
        acked: ["gm1"],
      });
      expect(got).toEqual([1, 2]);
    });

    it("the outbox is bounded: overflow drops the oldest low-priority messages first and counts them", async () => {
      await start({ outboxSize: 10 });
      await world.relay.stop();
      await waitFor(() => peer("p1").api.state !== "connected");
      const p1 = peer("p1").api.channel("demo");
      for (let i = 0; i < 5; i++) void p1.emit("low", i, { priority: "low" });
      for (let i = 0; i < 10; i++) void p1.emit("normal", i);
      // The end of this task, where queued envelopes move to the outbox.
      await new Promise((resolve) => setImmediate(resolve));
      expect(peer("p1").api.status().outbox).toBe(10);
      expect(peer("p1").api.metrics().dropped["outbox-overflow"]).toBe(5);
      const got: string[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("low", () => void got.push("low"));
      peer("gm1")
        .api.channel("demo")
        .on("normal", () => void got.push("normal"));
      await world.relay.restart();
      await waitFor(() => got.length === 10, { timeout: 5000 });
      expect(got.every((g) => g === "normal")).toBe(true);
    });

    it("every pending request settles within its timeout through a relay failure", async () => {
      await start();
      peer("gm1")
        .api.channel("demo")
        .handle("slow", () => {
          asked++;
          return new Promise((resolve) => setTimeout(() => resolve("late"), 5000));
        });
      let asked = 0;
      const inFlight = [
        rejectionOf(peer("p1").api.channel("demo").request("slow", null, { timeout: 600 })),
        rejectionOf(peer("p2").api.channel("demo").request("slow", null, { timeout: 600 })),
      ];
      await waitFor(() => asked === 2);
      await world.relay.stop();
      // Sent while the socket is down: still bounded by its timeout.
      await waitFor(() => peer("p1").api.state !== "connected");
      inFlight.push(
        rejectionOf(peer("p1").api.channel("demo").request("slow", null, { timeout: 400, to: "gm1" })),
      );
      const errors = await Promise.all(inFlight);
      // Each settled by its own timeout (the handler would have answered only after 5 s).
      for (const err of errors) expect(err).toBeInstanceOf(peer("p1").api.errors.TimeoutError);
      expect(peer("p1").api.status().pendingRequests).toBe(0);
      await world.relay.restart();
    });

    it("a client whose clock is 10 minutes ahead is accepted, offset-corrected; a replayed or stale frame is refused", async () => {
      const skew = 10 * 60_000;
      const skewed: Clock = {
        now: () => world.clock.now() + skew,
        setTimeout: (fn, ms) => world.clock.setTimeout(fn, ms),
        clearTimeout: (handle) => world.clock.clearTimeout(handle),
      };
      await start({}, { p2: skewed });
      const got: { data: unknown; latency: number }[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("hello", (data, ctx) => void got.push({ data, latency: ctx.latencyMs }));

      // The heartbeat measures the offset.
      await waitFor(
        () =>
          Math.abs(
            (peer("gm1")
              .api.peers()
              .find((p) => p.userId === "p2")?.clockOffsetMs ?? 0) - skew,
          ) < 200,
        {
          timeout: 3000,
        },
      );
      const frames: unknown[] = [];
      const stopWatching = world.relay.onMessage((_event, args, senderId) => {
        // On the socketlib path socketlib wraps the frame: { handlerName, args: [frame], ... }.
        const arg = args[0] as { args?: unknown[]; v?: number } | string;
        if (senderId === "p2")
          frames.push(typeof arg === "string" || arg?.v !== undefined ? arg : arg?.args?.[0]);
      });
      await peer("p2").api.channel("demo").emit("hello", "from the future");
      await waitFor(() => got.length === 1);
      stopWatching();
      expect(got[0]?.data).toBe("from the future");
      // Offset-corrected: a few ms, not ten minutes.
      expect(got[0]?.latency).toBeLessThan(1000);

      // The same frame again from the same client: refused as a duplicate.
      const replayed = frames.find((f) => JSON.stringify(f).includes("from the future"));
      expect(replayed).toBeDefined();
      const before = peer("gm1").api.metrics().dropped.duplicate ?? 0;
      world.client("p2").socket.emit("module.socket-manager", replayed);
      await waitFor(() => (peer("gm1").api.metrics().dropped.duplicate ?? 0) === before + 1);

      // A frame stamped 60 s ago on p2's clock is older than maxMessageAge once the offset is known.
      const stale = encodeFrame("replayer", [
        encodeEnvelope({ q: 1, k: "msg", c: "demo", e: "hello", d: "stale", a: skewed.now() - 60_000 }),
      ]);
      world.client("p2").socket.emit("module.socket-manager", stale);
      await waitFor(() => (peer("gm1").api.metrics().dropped.expired ?? 0) === 1);
      expect(got).toHaveLength(1);
    });

    it("presence: peers() lists who runs the module, with RTT and version; api.test() round-trips to each", async () => {
      await start();
      await waitFor(() =>
        peer("p1")
          .api.peers()
          .every((p) => p.rttMs !== undefined),
      );
      const list = peer("p1").api.peers();
      expect(list.map((p) => p.userId).sort()).toEqual(["gm1", "p2"]);
      for (const p of list) {
        expect(p.hasModule).toBe(true);
        expect(p.moduleVersion).toBe("test");
        expect(p.protocol).toBe(1);
        expect(p.transport).toBe(transport);
      }
      const results = await peer("p1").api.test({ timeout: 2000 });
      expect(results.map((r) => r.userId).sort()).toEqual(["gm1", "p2"]);
      for (const r of results) {
        expect(r.ok).toBe(true);
        expect(r.rttMs).toBeGreaterThanOrEqual(0);
      }
      const metrics = peer("p1").api.metrics();
      expect(metrics.rttMs?.count).toBeGreaterThanOrEqual(2);
    });

    it("a peer on another protocol version is reported to the GM", async () => {
      await start();
      const hello = encodeFrame("oldclient", [
        encodeEnvelope({
          q: 1,
          k: "hello",
          c: "socket-manager",
          e: "$hello",
          d: { v: "9.9.9", p: 2, tr: "native", s: "oldclient" },
          a: world.clock.now(),
        }),
      ]);
      world.client("p2").socket.emit("module.socket-manager", hello);
      await waitFor(() =>
        world
          .client("gm1")
          .notifications.some((n) => n.message.includes("SOCKET_MANAGER.Notify.ProtocolMismatch")),
      );
      expect(
        peer("gm1")
          .api.peers()
          .find((p) => p.userId === "p2")?.protocol,
      ).toBe(2);
    });
  });
}
