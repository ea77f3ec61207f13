/** Requests in bulk over real socket.io: they share frames both ways, and every one settles. */
import { afterEach, describe, expect, it } from "vitest";
import {
  CONTRACT_RUNS,
  createWorld,
  type Peer,
  peerOf,
  STANDARD_USERS,
  startPeers,
  stopPeers,
  type World,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1"].includes(u.id));

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`requests in bulk (${name})`, () => {
    let world: World | null = null;
    let peers = new Map<string, Peer>();

    afterEach(async () => {
      stopPeers(peers);
      await world?.close();
      world = null;
    });

    it("10,000 concurrent requests: all settle, in at least 20x fewer frames than requests each way", async () => {
      world = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
      peers = await startPeers(world);
      peerOf(peers, "gm1")
        .api.channel("demo")
        .handle("double", (n) => (n as number) * 2);
      const frames = { p1: 0, gm1: 0 };
      const off = world.relay.onMessage((_event, _args, senderId) => {
        if (senderId === "p1" || senderId === "gm1") frames[senderId]++;
      });
      const p1 = peerOf(peers, "p1").api.channel("demo");
      const N = 10_000;
      const answers = await Promise.all(
        Array.from({ length: N }, (_, i) => p1.request<number>("double", i, { timeout: 60_000 })),
      );
      off();
      expect(answers).toEqual(Array.from({ length: N }, (_, i) => i * 2));
      expect(frames.p1).toBeLessThanOrEqual(N / 20);
      expect(frames.gm1).toBeLessThanOrEqual(N / 20);
      expect(frames.gm1).toBeGreaterThan(0);
      // The answers to one frame of requests leave together: the GM sends about as many frames as it received
      // (a few heartbeat frames may come on top when the machine is slow), not one more per frame of requests.
      expect(frames.gm1).toBeLessThanOrEqual(frames.p1 + 10);
    }, 60_000);
  });
}
