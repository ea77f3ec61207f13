/**
 * channel.onPeer and the peerJoined / peerLeft hooks across what really happens in a world: a page reload after
 * a long outage (a leave and a join, with a new session) and the active GM leaving (requests move to the next
 * GM). In the in-memory world, on both transports.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PeerEvent } from "../../src/contract/types";
import {
  CONTRACT_RUNS,
  createWorld,
  type Peer,
  peerOf,
  STANDARD_USERS,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "gm2", "p1"].includes(u.id));

for (const { network, transport, name } of CONTRACT_RUNS.filter((run) => run.network === "memory")) {
  describe(`peer lifecycle (${name})`, () => {
    let world: World;
    let peers: Map<string, Peer>;
    /** What p1's channel heard: "join gm2 <session>" ... */
    let heard: string[];
    let hooks: string[];

    beforeEach(async () => {
      world = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      peers = await startPeers(world);
      heard = [];
      hooks = [];
      const p1 = peerOf(peers, "p1");
      for (const kind of ["join", "ready", "leave"] as PeerEvent[]) {
        p1.api
          .channel("watch")
          .onPeer(kind, (peer) => void heard.push(`${kind} ${peer.userId} ${peer.session}`));
      }
      p1.client.hooks.on("socket-manager.peerJoined", ((p: { userId: string }) => {
        hooks.push(`joined ${p.userId}`);
      }) as never);
      p1.client.hooks.on("socket-manager.peerLeft", ((p: { userId: string }) => {
        hooks.push(`left ${p.userId}`);
      }) as never);
      // The world as it starts: both GMs joined and ready on p1; each test watches what follows.
      await waitFor(() => ["gm1", "gm2"].every((id) => heard.some((h) => h.startsWith(`ready ${id} `))));
      expect(hooks.sort()).toEqual(["joined gm1", "joined gm2"]);
      heard.length = 0;
      hooks.length = 0;
    });

    afterEach(async () => {
      stopPeers(peers);
      await world.close();
    });

    it("a page reload after a long outage is a leave of the old session and a join (then ready) of the new one", async () => {
      const before = peerOf(peers, "p1")
        .api.peers()
        .find((p) => p.userId === "gm2")?.session;
      expect(before).toBeTypeOf("string");

      world.relay.cutUser("gm2", 6000);
      await waitFor(() => world.reloads === 1, { timeout: 30_000, message: "gm2's page reloads" });
      await waitFor(() => heard.some((h) => h.startsWith("ready gm2") && !h.endsWith(` ${before}`)), {
        timeout: 10_000,
        message: "p1 hears gm2's new session become ready",
      });

      const after = peerOf(peers, "p1")
        .api.peers()
        .find((p) => p.userId === "gm2")?.session;
      expect(after).not.toBe(before);
      expect(heard.filter((h) => h.includes(" gm2 "))).toEqual([
        `leave gm2 ${before}`,
        `join gm2 ${after}`,
        `ready gm2 ${after}`,
      ]);
      expect(hooks.filter((h) => h.endsWith("gm2"))).toEqual(["left gm2", "joined gm2"]);
    });

    it("when the active GM leaves, p1 hears it leave once and its requests go to the next GM", async () => {
      for (const id of ["gm1", "gm2"]) {
        peerOf(peers, id)
          .api.channel("watch")
          .handle("who", () => id);
      }
      const p1 = peerOf(peers, "p1").api.channel("watch");
      await expect(p1.request("who")).resolves.toBe("gm1");
      const session = peerOf(peers, "p1")
        .api.peers()
        .find((p) => p.userId === "gm1")?.session;

      stopPeers(new Map([["gm1", peerOf(peers, "gm1")]]));
      peers.delete("gm1");
      await world.leave("gm1");
      await waitFor(() => heard.includes(`leave gm1 ${session}`), { message: "p1 hears gm1 leave" });

      await expect(p1.request("who")).resolves.toBe("gm2");
      expect(heard.filter((h) => h.startsWith("leave"))).toEqual([`leave gm1 ${session}`]);
      expect(hooks).toEqual(["left gm1"]);
    });
  });
}
