/**
 * Frames are sized as they travel: socket.io writes a frame string as JSON again, so a quote-heavy payload
 * grows on the wire. No frame may reach the relay's 1 MB limit (which would disconnect its sender).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createWorld,
  type Peer,
  peerOf,
  STANDARD_USERS,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1"].includes(u.id));

for (const transport of ["native", "socketlib"] as const) {
  describe(`frame sizes on the wire (${transport})`, () => {
    let world: World | null = null;
    let peers = new Map<string, Peer>();

    afterEach(async () => {
      stopPeers(peers);
      await world?.close();
      world = null;
    });

    it.each([
      ["900 KB of double quotes", '"'.repeat(900_000)],
      ["mixed quotes, backslashes and newlines", '"\\\n'.repeat(250_000)],
    ])(
      "%s arrives intact; the sender is never disconnected; every relayed message stays under 1 MB",
      async (_name, payload) => {
        world = await createWorld({ users: USERS, socketlib: transport === "socketlib" });
        // The largest frame a GM may configure: what fits must still fit after socket.io escapes it.
        peers = await startPeers(world, { maxPayloadBytes: 8 * 1024 * 1024, maxFrameBytes: 900 * 1024 });
        const sender = world.client("p1");
        let disconnects = 0;
        sender.socket.on("disconnect", () => disconnects++);
        const got: string[] = [];
        peerOf(peers, "gm1")
          .api.channel("demo")
          .on("big", (d) => void got.push(d as string));
        world.relay.resetStats();
        await peerOf(peers, "p1").api.channel("demo").emit("big", payload);
        await waitFor(() => got.length === 1, { timeout: 20_000, message: "the payload arrives" });
        expect(got[0]).toBe(payload);
        expect(disconnects).toBe(0);
        expect(world.relay.largestFrameBytes).toBeLessThan(1_000_000);
        expect(world.relay.framesRelayed).toBeGreaterThan(1);
      },
      30_000,
    );
  });
}
