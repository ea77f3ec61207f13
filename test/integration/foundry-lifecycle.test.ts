/**
 * Socket Manager in a world that behaves like Foundry (test/harness, docs/FOUNDRY.md): users appear at setup,
 * early socket events are replayed before ready, Foundry owns the socket. Each test runs on both transports.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CONTRACT_RUNS,
  createWorld,
  every,
  type Peer,
  peerOf,
  rejectionOf,
  STANDARD_USERS,
  startPeer,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1", "p2"].includes(u.id));

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`Foundry's lifecycle (${name})`, () => {
    let world: World | null = null;
    let peers = new Map<string, Peer>();

    afterEach(async () => {
      vi.restoreAllMocks();
      stopPeers(peers);
      peers = new Map();
      await world?.close();
      world = null;
    });

    it("a client that opens the world while two others stream handles each message once, logs no error, and gets the stream", async () => {
      const w = await createWorld({
        users: USERS,
        socketlib: transport === "socketlib",
        network,
        connect: ["gm1", "p1"],
      });
      world = w;
      peers = await startPeers(w);
      const errors = vi.spyOn(console, "error");
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on("unhandledRejection", onUnhandled);
      try {
        // gm1 and p1 stream numbered messages to everyone, in bounded steps.
        let sent = 0;
        const LIMIT = 400;
        const step = async () => {
          if (sent >= LIMIT) return;
          sent++;
          await Promise.all([
            peerOf(peers, "gm1").api.channel("demo").emit("tick", { from: "gm1", n: sent }),
            peerOf(peers, "p1").api.channel("demo").emit("tick", { from: "p1", n: sent }),
          ]);
        };
        const stopStreaming = every(w.clock, 2, () => void step());
        try {
          const p2client = await w.join("p2");
          const sentAtJoin = sent;
          // Frames reach p2's page while it loads (before init, and between init and ready).
          await waitFor(() => sent >= sentAtJoin + 60);
          const got: Array<{ from: string; n: number }> = [];
          const p2 = await startPeer(
            p2client,
            {},
            {
              // A module adds its handler at init; what arrived while the page loaded must reach it once.
              beforeBoot: (_scope, foundry) => {
                p2client.hooks.once("init", () => {
                  foundry
                    .api()
                    ?.channel("demo")
                    .on("tick", (d) => void got.push(d as { from: string; n: number }));
                });
              },
            },
          );
          peers.set("p2", p2);
          await waitFor(() => sent >= LIMIT, { timeout: 10_000 });
          stopStreaming();
          await waitFor(() => got.filter((g) => g.n === LIMIT).length === 2, {
            timeout: 5_000,
            message: "p2 receives the end of both streams",
          });
          for (const from of ["gm1", "p1"]) {
            const ns = got.filter((g) => g.from === from).map((g) => g.n);
            // Once each, in order, with no gap from the first one p2 saw to the end.
            expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => ns[0]! + i));
            expect(ns.at(-1)).toBe(LIMIT);
            // It got what was sent while its page was loading, not only what came after ready.
            expect(ns[0]).toBeLessThanOrEqual(sentAtJoin + 1);
          }
          expect(errors).not.toHaveBeenCalled();
          expect(unhandled).toEqual([]);
          expect(p2.api.metrics().recentErrors).toEqual([]);
        } finally {
          stopStreaming();
        }
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    }, 30_000);

    it("a player's link drops for 2.5 s while the server stays up: what it sent meanwhile reaches everyone after, reliable messages once and in order", async () => {
      const w = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      world = w;
      peers = await startPeers(w);
      await waitFor(() => [...peers.values()].every((p) => p.api.status().peersWithModule === 2));
      const plain = new Map<string, number[]>();
      const reliable = new Map<string, number[]>();
      for (const id of ["gm1", "p2"]) {
        const ch = peerOf(peers, id).api.channel("demo");
        plain.set(id, []);
        reliable.set(id, []);
        ch.on("plain", (n) => void plain.get(id)?.push(n as number));
        ch.on("reliable", (n) => void reliable.get(id)?.push(n as number));
      }
      const p1 = peerOf(peers, "p1");
      w.relay.cutUser("p1", 2500);
      await waitFor(() => p1.api.state === "reconnecting");
      const reports: Promise<{ acked?: string[] }>[] = [];
      for (let i = 0; i < 20; i++) {
        void p1.api.channel("demo").emit("plain", i);
        reports.push(p1.api.channel("demo").emit("reliable", i, { reliable: true, timeout: 20_000 }));
      }
      const acks = await Promise.all(reports);
      await waitFor(() => [...plain.values()].every((l) => l.length === 20), { timeout: 10_000 });
      const all = Array.from({ length: 20 }, (_, i) => i);
      for (const id of ["gm1", "p2"]) {
        expect(plain.get(id)).toEqual(all);
        expect(reliable.get(id)).toEqual(all);
      }
      for (const report of acks) expect([...(report.acked ?? [])].sort()).toEqual(["gm1", "p2"]);
      expect(p1.client.reloaded).toBe(false);
    }, 30_000);

    it("during an outage a player's request to the GM is never answered by the player's own handler", async () => {
      const w = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      world = w;
      // The old reconnection policy settings, short: they must not turn the native socket into "local".
      peers = await startPeers(w, {
        initialReconnectionDelay: 20,
        maxReconnectionDelay: 100,
        maxReconnectionAttempts: 2,
      });
      peerOf(peers, "gm1")
        .api.channel("demo")
        .handle("who", () => "gm1");
      const p1 = peerOf(peers, "p1");
      p1.api.channel("demo").handle("who", () => "p1's own handler");
      w.relay.cutUser("p1", 4000);
      await waitFor(() => p1.api.state === "reconnecting");
      const first = rejectionOf(p1.api.channel("demo").request("who", null, { timeout: 1000 }));
      const err = await first;
      expect(err).toBeInstanceOf(p1.api.errors.TimeoutError);
      expect(p1.api.transport).toBe(transport);
      expect(p1.api.state).toBe("reconnecting");
      // Sent while down, answered by the GM once the link is back.
      const late = p1.api.channel("demo").request("who", null, { timeout: 15_000 });
      await expect(late).resolves.toBe("gm1");
    }, 30_000);

    it("when Foundry gives up reconnecting the state is offline and the page navigates away; requests meanwhile reject typed", async () => {
      const w = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      world = w;
      peers = await startPeers(w);
      const p1 = peerOf(peers, "p1");
      p1.api.channel("demo").handle("who", () => "p1's own handler");
      const states: string[] = [];
      p1.api.onStateChange((state) => states.push(state));
      await w.relay.stop();
      const err = await rejectionOf(p1.api.channel("demo").request("who", null, { timeout: 500 }));
      expect(err).toBeInstanceOf(p1.api.errors.TimeoutError);
      await waitFor(() => p1.client.navigatedAway, { timeout: 15_000 });
      expect(states).toEqual(["reconnecting", "offline"]);
      expect(p1.api.transport).toBe(transport);
    }, 30_000);
  });
}
