/**
 * Foundation over real sockets: targeting, requests, GM takeover, typed errors, forged senders, dispose and
 * protocol versions, on both network transports.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageContext } from "../../src/contract/types";
import { encodeEnvelope, encodeFrame } from "../../src/pipeline/codec";
import {
  CONTRACT_RUNS,
  createWorld,
  delivered,
  type Peer,
  peerOf,
  rejectionOf,
  STANDARD_USERS,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "gm2", "p1", "p2"].includes(u.id));

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`delivery over ${name}`, () => {
    let world: World;
    let peers: Map<string, Peer>;
    const peer = (id: string): Peer => peerOf(peers, id);

    /** Records what each user's "demo" channel receives for `event`. */
    function record(event: string): Map<string, { data: unknown; ctx: MessageContext }[]> {
      const seen = new Map<string, { data: unknown; ctx: MessageContext }[]>();
      for (const [id, p] of peers) {
        seen.set(id, []);
        p.api.channel("demo").on(event, (data, ctx) => {
          seen.get(id)?.push({ data, ctx });
        });
      }
      return seen;
    }

    const ids = (seen: Map<string, unknown[]>) =>
      [...seen]
        .filter(([, list]) => list.length > 0)
        .map(([id]) => id)
        .sort();

    beforeEach(async () => {
      world = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      peers = await startPeers(world);
    });

    afterEach(async () => {
      stopPeers(peers);
      await world.close();
    });

    it(`chooses the ${transport} transport and reports connected`, () => {
      for (const p of peers.values()) {
        expect(p.api.transport).toBe(transport);
        expect(p.api.state).toBe("connected");
      }
    });

    it("emit to others reaches every other client once and never the sender", async () => {
      const seen = record("hello");
      const report = await peer("p1").api.channel("demo").emit("hello", { n: 1 });
      expect(report.recipients.sort()).toEqual(["gm1", "gm2", "p2"]);
      await delivered(peers, "p1");
      expect(ids(seen)).toEqual(["gm1", "gm2", "p2"]);
      for (const id of ["gm1", "gm2", "p2"]) {
        expect(seen.get(id)).toHaveLength(1);
        const first = seen.get(id)?.[0];
        expect(first?.data).toEqual({ n: 1 });
        expect(first?.ctx.senderId).toBe("p1");
        expect(first?.ctx.sender.name).toBe("Player One");
        expect(first?.ctx.simulated).toBe(false);
        expect(first?.ctx.messageId).toBe(report.messageId);
      }
    });

    it('"all" includes the sender', async () => {
      const seen = record("all");
      await peer("p1").api.channel("demo").emit("all", 1, { to: "all" });
      await waitFor(() => ids(seen).length === 4);
      await delivered(peers, "p1");
      for (const list of seen.values()) expect(list).toHaveLength(1);
    });

    it('"self" stays on this client', async () => {
      const seen = record("mine");
      await peer("p1").api.channel("demo").emit("mine", 1, { to: "self" });
      await waitFor(() => ids(seen).length === 1);
      await delivered(peers, "p1");
      expect(ids(seen)).toEqual(["p1"]);
    });

    it('"gm" reaches only the active GM, "gms" every GM, a list exactly its users', async () => {
      const gm = record("gm");
      await peer("p1").api.channel("demo").emit("gm", 1, { to: "gm" });
      const gms = record("gms");
      await peer("p1").api.channel("demo").emit("gms", 1, { to: "gms" });
      const list = record("list");
      await peer("gm1")
        .api.channel("demo")
        .emit("list", 1, { to: ["p1", "p2", "gm1"] });
      await waitFor(() => ids(gm).length === 1 && ids(gms).length === 2 && ids(list).length === 3);
      await delivered(peers, "p1");
      await delivered(peers, "gm1");
      expect(ids(gm)).toEqual(["gm1"]);
      expect(ids(gms)).toEqual(["gm1", "gm2"]);
      expect(ids(list)).toEqual(["gm1", "p1", "p2"]);
    });

    it("a request to the GM returns the handler's value, answered only by the active GM", async () => {
      const answeredBy: string[] = [];
      for (const id of ["gm1", "gm2"]) {
        peer(id)
          .api.channel("demo")
          .handle("sum", (data: { a: number; b: number }, ctx) => {
            answeredBy.push(id);
            return { sum: data.a + data.b, asker: ctx.senderId };
          });
      }
      const value = await peer("p1").api.channel("demo").request("sum", { a: 2, b: 3 });
      expect(value).toEqual({ sum: 5, asker: "p1" });
      await delivered(peers, "p1");
      expect(answeredBy).toEqual(["gm1"]);
    });

    it("a request to a user id reaches that user", async () => {
      peer("p2")
        .api.channel("demo")
        .handle("whoami", (_d, ctx) => `p2 answering ${ctx.senderId}`);
      await expect(peer("gm1").api.channel("demo").request("whoami", null, { to: "p2" })).resolves.toBe(
        "p2 answering gm1",
      );
    });

    it("the answering GM leaves mid-request: a second GM takes over", async () => {
      let release: () => void = () => {};
      peer("gm1")
        .api.channel("demo")
        .handle(
          "slow",
          () =>
            new Promise<string>((r) => {
              release = () => r("gm1");
            }),
        );
      peer("gm2")
        .api.channel("demo")
        .handle("slow", () => "gm2");
      const answer = peer("p1").api.channel("demo").request("slow", null, { timeout: 4000 });
      await waitFor(() =>
        peer("gm1")
          .api.events()
          .some((e) => e.event === "slow" && e.received === 1),
      );
      stopPeers(new Map([["gm1", peer("gm1")]]));
      await world.leave("gm1");
      release();
      await expect(answer).resolves.toBe("gm2");
    });

    it("the only GM leaves mid-request: NoGMError, not a hang", async () => {
      world.client("gm2").close();
      await world.leave("gm2");
      peer("gm1")
        .api.channel("demo")
        .handle("slow", () => new Promise(() => {}));
      const answer = peer("p1")
        .api.channel("demo")
        .request("slow", null, { timeout: 4000 })
        .catch((e) => e);
      await waitFor(() =>
        peer("gm1")
          .api.events()
          .some((e) => e.event === "slow" && e.received === 1),
      );
      await world.leave("gm1");
      expect(await answer).toBeInstanceOf(peer("p1").api.errors.NoGMError);
    });

    it("no GM connected: NoGMError at once", async () => {
      await world.leave("gm1");
      await world.leave("gm2");
      // At once: with an hour's timeout, only an immediate refusal settles within the test.
      await expect(
        peer("p1").api.channel("demo").request("anything", null, { timeout: 3_600_000 }),
      ).rejects.toBeInstanceOf(peer("p1").api.errors.NoGMError);
    });

    it("the target user leaves: UserOfflineError", async () => {
      peer("p2")
        .api.channel("demo")
        .handle("never", () => new Promise(() => {}));
      const answer = peer("p1")
        .api.channel("demo")
        .request("never", null, { to: "p2", timeout: 4000 })
        .catch((e) => e);
      await waitFor(() =>
        peer("p2")
          .api.events()
          .some((e) => e.event === "never" && e.received === 1),
      );
      await world.leave("p2");
      expect(await answer).toBeInstanceOf(peer("p1").api.errors.UserOfflineError);
    });

    it("a request times out with TimeoutError when nobody answers", async () => {
      peer("gm1")
        .api.channel("demo")
        .handle("never", () => new Promise(() => {}));
      const err = await rejectionOf(peer("p1").api.channel("demo").request("never", null, { timeout: 200 }));
      expect(err).toBeInstanceOf(peer("p1").api.errors.TimeoutError);
      expect(err.missing).toEqual(["gm1"]);
    });

    it("a remote throw becomes RemoteHandlerError with its message; a missing handler NoHandlerError", async () => {
      peer("gm1")
        .api.channel("demo")
        .handle("boom", () => {
          throw new Error("the dragon ate it");
        });
      const err = await rejectionOf(peer("p1").api.channel("demo").request("boom"));
      expect(err).toBeInstanceOf(peer("p1").api.errors.RemoteHandlerError);
      expect(err.remoteMessage).toBe("the dragon ate it");
      expect(err.message).toContain("the dragon ate it");
      expect(err.message).toContain("demo");
      await expect(peer("p1").api.channel("demo").request("nobody-home")).rejects.toBeInstanceOf(
        peer("p1").api.errors.NoHandlerError,
      );
    });

    it("a sender id forged inside the payload is ignored", async () => {
      const seen = record("forged");
      await peer("p2").api.channel("demo").emit("forged", { senderId: "gm1", userId: "gm1", sender: "gm1" });
      await waitFor(() => (seen.get("gm1")?.length ?? 0) === 1);
      expect(seen.get("gm1")?.[0]?.ctx.senderId).toBe("p2");
      expect(seen.get("gm1")?.[0]?.ctx.sender.isGM).toBe(false);
    });

    it("a raw frame claiming another sender is attributed to the real socket", async () => {
      const seen = record("raw");
      const frame = encodeFrame("forger", [
        encodeEnvelope({ q: 1, k: "msg", c: "demo", e: "raw", d: { from: "gm1" }, a: world.clock.now() }),
      ]);
      world.client("p2").socket.emit("module.socket-manager", frame, "gm1");
      await waitFor(() => (seen.get("gm1")?.length ?? 0) === 1);
      expect(seen.get("gm1")?.[0]?.ctx.senderId).toBe("p2");
    });

    it("dispose() removes only that module's handlers", async () => {
      const got: string[] = [];
      const gm = peer("gm1").api;
      gm.channel("mod-a").on("x", () => got.push("a"));
      gm.channel("mod-a").handle("q", () => "a");
      gm.channel("mod-b").on("x", () => got.push("b"));
      gm.channel("mod-a").dispose();
      await peer("p1").api.channel("mod-a").emit("x", 1);
      await peer("p1").api.channel("mod-b").emit("x", 1);
      await waitFor(() => got.length === 1);
      await delivered(peers, "p1");
      expect(got).toEqual(["b"]);
      await expect(peer("p1").api.channel("mod-a").request("q")).rejects.toBeInstanceOf(
        gm.errors.NoHandlerError,
      );
    });

    it("a frame of a newer protocol version is dropped and counted, without an exception", async () => {
      const seen = record("future");
      const frame = JSON.stringify({
        v: 2,
        s: "future",
        e: [[1, 0, "demo", "future", world.clock.now(), 0]],
      });
      world.client("p2").socket.emit("module.socket-manager", frame);
      await waitFor(() => (peer("gm1").api.metrics().dropped.protocol ?? 0) === 1);
      await peer("p2").api.channel("demo").emit("future", "v1 still works");
      await waitFor(() => (seen.get("gm1")?.length ?? 0) === 1);
      expect(seen.get("gm1")?.[0]?.data).toBe("v1 still works");
    });

    it("one handler's throw never stops the others", async () => {
      const got: string[] = [];
      const ch = peer("gm1").api.channel("demo");
      ch.on("iso", () => {
        throw new Error("first fails");
      });
      ch.on("iso", async () => {
        throw new Error("second rejects");
      });
      ch.on("iso", (d) => {
        got.push(String(d));
      });
      await peer("p1").api.channel("demo").emit("iso", "third ran");
      await waitFor(() => got.length === 1);
      await waitFor(() => peer("gm1").api.metrics().handlerErrors === 2);
      expect(got).toEqual(["third ran"]);
    });
  });
}
