/**
 * The delivery pipeline over real sockets: batching, coalescing, chunking, permissions, schemas, prototype
 * safety and per-sender rate limits.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CONTRACT_RUNS,
  createWorld,
  delivered,
  type Peer,
  peerOf,
  rejectionOf,
  STANDARD_USERS,
  sleep,
  startExtraManager,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1", "p2"].includes(u.id));

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`delivery pipeline (${name})`, () => {
    let world: World;
    let peers: Map<string, Peer>;
    const peer = (id: string): Peer => peerOf(peers, id);

    beforeEach(async () => {
      world = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      peers = await startPeers(world);
    });

    afterEach(async () => {
      stopPeers(peers);
      await world.close();
    });

    it("1,000 emits in one task arrive in order, in far fewer frames than messages", async () => {
      const got: number[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("n", (n) => {
          got.push(n as number);
        });
      // Count only the frames that carry these messages: hellos and pings of other peers are not ours.
      let framesWithN = 0;
      const off = world.relay.onMessage((_event, args, senderId) => {
        const frame = JSON.stringify(args);
        if (senderId === "p1" && frame.includes('"demo","n"')) framesWithN++;
      });
      const framesBefore = peer("p1").api.metrics().framesSent;
      const sender = peer("p1").api.channel("demo");
      for (let i = 0; i < 1000; i++) void sender.emit("n", i);
      await waitFor(() => got.length === 1000, { timeout: 5000 });
      off();
      expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(framesWithN).toBeGreaterThan(0);
      expect(framesWithN).toBeLessThanOrEqual(10);
      const metrics = peer("p1").api.metrics();
      expect(metrics.framesSent - framesBefore).toBeGreaterThanOrEqual(framesWithN);
      expect(metrics.envelopesPerFrame).toBeGreaterThan(1);
    });

    it("a coalesced stream delivers the latest value, in fewer messages", async () => {
      const got: { x: number }[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("token", (d) => {
          got.push(d as { x: number });
        });
      const sender = peer("p1").api.channel("demo");
      for (let x = 1; x <= 500; x++)
        void sender.emit("token", { x }, { coalesce: "token-A", priority: "low" });
      await waitFor(() => got.some((d) => d.x === 500), { timeout: 5000 });
      await delivered(peers, "p1");
      expect(got.at(-1)).toEqual({ x: 500 });
      expect(got.length).toBeLessThan(5);
      expect(peer("p1").api.metrics().coalesced).toBeGreaterThanOrEqual(495);
    });

    it("a coalesced stream with default options waits for the batch window, so ticks in separate tasks coalesce", async () => {
      const got: { x: number }[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("tok", (d) => void got.push(d as { x: number }));
      const sender = peer("p1").api.channel("demo");
      // Ten ticks, each in its own task (as a 60 Hz stream would be), well inside one 100 ms window.
      for (let x = 1; x <= 10; x++) {
        void sender.emit("tok", { x }, { coalesce: "tok-A" });
        await new Promise((r) => setImmediate(r));
      }
      await waitFor(() => got.some((d) => d.x === 10), { timeout: 2000 });
      expect(got.at(-1)).toEqual({ x: 10 });
      expect(got.length).toBeLessThan(10);
      expect(peer("p1").api.metrics().coalesced).toBeGreaterThanOrEqual(1);
    });

    it("a 5 MB payload arrives intact and no frame on the wire exceeds the frame limit", async () => {
      let received: unknown = null;
      peer("gm1")
        .api.channel("demo")
        .on("map", (d) => {
          received = d;
        });
      // Mixed ASCII and multi-byte text so the byte-exact chunking is exercised.
      const rows = Array.from(
        { length: 25_000 },
        (_, i) => `row ${i}: ${"é".repeat(20)} ${"x".repeat(150)} 🐉`,
      );
      const payload = { rows, checksum: rows.length };
      const bytes = Buffer.byteLength(JSON.stringify(payload));
      expect(bytes).toBeGreaterThan(5_000_000);
      world.relay.resetStats();
      await peer("p1").api.channel("demo").emit("map", payload);
      await waitFor(() => received !== null, { timeout: 10_000 });
      expect(received).toEqual(payload);
      expect(world.relay.framesRelayed).toBeGreaterThan(20);
      expect(world.relay.largestFrameBytes).toBeLessThanOrEqual(peer("p1").api.config().maxFrameBytes);
      expect(peer("gm1").api.metrics().droppedTotal).toBe(0);
    });

    it("a player calling a GM-only handler gets PermissionDeniedError and the handler never runs", async () => {
      let ran = 0;
      let heard = 0;
      const gm = peer("gm1").api.channel("demo");
      gm.handle(
        "delete-world",
        () => {
          ran++;
          return "done";
        },
        { permission: "gm" },
      );
      gm.on(
        "gm-note",
        () => {
          heard++;
        },
        { permission: "gm" },
      );
      const err = await rejectionOf(peer("p1").api.channel("demo").request("delete-world"));
      expect(err).toBeInstanceOf(peer("p1").api.errors.PermissionDeniedError);
      await peer("p1").api.channel("demo").emit("gm-note", "sneaky", { to: "gm" });
      await waitFor(() => (peer("gm1").api.metrics().dropped.permission ?? 0) === 2);
      expect(ran).toBe(0);
      expect(heard).toBe(0);
    });

    it("a predicate permission sees the server-stamped sender", async () => {
      const gm = peer("gm1").api.channel("demo");
      gm.handle("only-p2", (_d, ctx) => ctx.senderId, { permission: (sender) => sender.id === "p2" });
      await expect(peer("p2").api.channel("demo").request("only-p2", { senderId: "p1" })).resolves.toBe("p2");
      await expect(
        peer("p1").api.channel("demo").request("only-p2", { senderId: "p2" }),
      ).rejects.toBeInstanceOf(peer("p1").api.errors.PermissionDeniedError);
    });

    it("a schema-failing payload never reaches its handler; a request gets ValidationError with the issues", async () => {
      const Move = z.object({ tokenId: z.string(), x: z.number().int(), y: z.number().int() });
      const seen: unknown[] = [];
      const gm = peer("gm1").api.channel("demo");
      gm.on(
        "move",
        (d) => {
          seen.push(d);
        },
        { schema: Move },
      );
      gm.handle("move-req", (d: { x: number }) => d.x * 2, { schema: Move });
      const p1 = peer("p1").api.channel("demo");
      await p1.emit("move", { tokenId: "t1", x: "left", y: 2 });
      await p1.emit("move", { tokenId: "t1", x: 1, y: 2 });
      await waitFor(() => seen.length === 1);
      await delivered(peers, "p1");
      expect(seen).toEqual([{ tokenId: "t1", x: 1, y: 2 }]);
      expect(peer("gm1").api.metrics().dropped.schema).toBe(1);
      const err = await rejectionOf(p1.request("move-req", { tokenId: 5 }));
      expect(err).toBeInstanceOf(peer("p1").api.errors.ValidationError);
      expect((err.issues as { path?: unknown[] }[]).map((i) => i.path?.[0]).sort()).toEqual([
        "tokenId",
        "x",
        "y",
      ]);
      await expect(p1.request("move-req", { tokenId: "t", x: 4, y: 0 })).resolves.toBe(8);
    });

    it("a __proto__ payload pollutes nothing: its envelope is refused and counted, the rest of the frame arrives", async () => {
      const got: Record<string, unknown>[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("merge", (d) => {
          const target: Record<string, unknown> = {};
          Object.assign(target, d);
          got.push(target);
        });
      const before = peer("gm1").api.metrics().dropped["reserved-key"] ?? 0;
      const now = world.clock.now();
      const evil = `[1,0,"demo","merge",${now},0,{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"ok":1}]`;
      const nested = `[2,0,"demo","merge",${now},0,{"nested":{"__pro\\u0074o__":{"polluted":true}},"ok":2}]`;
      const honest = `[3,0,"demo","merge",${now},0,{"ok":3}]`;
      const text = `{"v":1,"s":"evil","e":[${evil},${nested},${honest}]}`;
      // As an object frame (what a client sends now), and in the text form.
      world.client("p1").socket.emit("module.socket-manager", JSON.parse(text));
      world.client("p1").socket.emit("module.socket-manager", text.replaceAll('"evil"', '"evil2"'));
      await waitFor(() => got.length === 2);
      expect(got).toEqual([{ ok: 3 }, { ok: 3 }]);
      expect(peer("gm1").api.metrics().dropped["reserved-key"]).toBe(before + 4);
      expect(Object.getPrototypeOf(got[0])).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it("a payload changed by its sender right after emit arrives as it was at emit", async () => {
      const got: unknown[] = [];
      peer("gm1")
        .api.channel("demo")
        .on("snap", (d) => void got.push(d));
      const data = { hp: 10, tags: ["a"], deep: { x: 1 } };
      const sending = peer("p1").api.channel("demo").emit("snap", data);
      data.hp = 0;
      data.tags.push("b");
      data.deep.x = 2;
      await sending;
      data.hp = -1;
      await waitFor(() => got.length === 1);
      expect(got[0]).toEqual({ hp: 10, tags: ["a"], deep: { x: 1 } });
    });

    // Paced in bursts 100 ms apart: virtual time only, where the pacing is exact whatever the machine's load.
    if (network === "memory")
      it("a flooding client is rate-limited while a second client's messages are still handled", async () => {
        // Let presence settle (hello, then the first ping and pong), and stop the heartbeat: every envelope from the
        // flooder counts against its limit, control traffic included, and this test counts exactly.
        await waitFor(() =>
          peer("gm1")
            .api.peers()
            .every((p) => !p.active || p.rttMs !== undefined),
        );
        for (const p of peers.values()) p.api.configure({ heartbeatInterval: 0 });
        // A GM who throttles senders: 500 messages/s with a burst of 1,000.
        peer("gm1").api.configure({ rateLimit: 500, rateBurst: 1000 });
        const from = new Map<string, number>();
        peer("gm1")
          .api.channel("demo")
          .on("spam", (_d, ctx) => {
            from.set(ctx.senderId, (from.get(ctx.senderId) ?? 0) + 1);
          });
        const flooder = peer("p1").api.channel("demo");
        const honest = peer("p2").api.channel("demo");
        // 10,000 messages within one second, in ten bursts; the honest player sends 10 alongside.
        for (let burst = 0; burst < 10; burst++) {
          for (let i = 0; i < 1000; i++) void flooder.emit("spam", i, { to: "gm" });
          void honest.emit("spam", burst, { to: "gm" });
          await sleep(100);
        }
        await waitFor(() => (from.get("p2") ?? 0) === 10, { timeout: 5000 });
        const limited = peer("gm1").api.metrics().dropped["rate-limited"] ?? 0;
        expect(limited).toBeGreaterThan(7000);
        expect((from.get("p1") ?? 0) + limited).toBe(10_000);
        expect(from.get("p2")).toBe(10);
      });

    it("send-side validation names the module and event", async () => {
      const ch = peer("p1").api.channel("my-module");
      const errors = peer("p1").api.errors;
      const bad = [
        ch.emit("e", { f: () => 1 }),
        ch.emit("e", { n: 10n }),
        ch.emit("e", { when: new Date() }),
        ch.emit("e", Number.NaN),
        ch.emit("", 1),
        ch.emit("x".repeat(65), 1),
        ch.emit("$reserved", 1),
      ];
      for (const attempt of bad) {
        const err = await rejectionOf(attempt);
        expect(err).toBeInstanceOf(errors.ValidationError);
        expect(err.message).toContain("my-module");
      }
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const err = await rejectionOf(ch.emit("e", cyclic));
      expect(err.message).toContain("circular");
      expect(err.message).toContain('"e"');
    });

    it("a payload over maxPayloadBytes is refused with PayloadTooLargeError", async () => {
      const small = startExtraManager(world.client("p2"), { maxPayloadBytes: 10_000 });
      try {
        const err = await rejectionOf(small.api.channel("my-module").emit("big", "x".repeat(20_000)));
        expect(err).toBeInstanceOf(small.api.errors.PayloadTooLargeError);
        expect(err.message).toContain("my-module");
        expect(err.message).toContain('"big"');
      } finally {
        small.manager.dispose();
      }
    });
  });
}
