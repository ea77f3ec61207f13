/**
 * Frames sized as they travel (issue 10, point 6): socket.io writes a frame string as JSON again, so a
 * quote-heavy payload nearly doubles on the wire, and a socket.io server disconnects a client that sends one
 * message over `maxHttpBufferSize` (1e6 bytes by default, as the harness relay). At the largest `maxFrameBytes`
 * a GM may configure, such payloads must still arrive intact without the relay ever cutting their sender off.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES, RELAY_MESSAGE_LIMIT } from "../../src/config";
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

const USERS = STANDARD_USERS.filter((u) => ["gm1", "p1"].includes(u.id));

/** What the relay really receives for one emit: engine.io's `4`, socket.io's `2`, then the JSON of the packet. */
const packetBytes = (event: string, args: unknown[]) =>
  Buffer.byteLength(`42${JSON.stringify([event, ...args])}`, "utf8");

for (const { network, transport, name } of CONTRACT_RUNS) {
  describe(`frame sizes on the wire (${name})`, () => {
    let world: World | null = null;
    let peers = new Map<string, Peer>();

    afterEach(async () => {
      stopPeers(peers);
      peers = new Map();
      await world?.close();
      world = null;
    });

    it.each([
      ["900 KB of double quotes", '"'.repeat(900_000)],
      ["900 KB of mixed quotes, backslashes and newlines", '"\\\n'.repeat(300_000)],
    ])(
      "%s arrives intact; the sender is never disconnected; every relayed message stays under 1 MB",
      async (_name, payload) => {
        const w = await createWorld({ users: USERS, socketlib: transport === "socketlib", network });
        world = w;
        // The largest frame a GM may configure: what fits must still fit after socket.io escapes it.
        peers = await startPeers(w, { maxPayloadBytes: 8 * 1024 * 1024, maxFrameBytes: MAX_FRAME_BYTES });
        const sender = peerOf(peers, "p1");
        const receiver = peerOf(peers, "gm1");
        const disconnects: string[] = [];
        for (const peer of [sender, receiver]) {
          peer.client.socket.on(
            "disconnect",
            (reason) => void disconnects.push(`${peer.client.user.id}: ${reason}`),
          );
        }
        let largestPacket = 0;
        let messages = 0;
        const off = w.relay.onMessage((event, args) => {
          messages++;
          largestPacket = Math.max(largestPacket, packetBytes(event, args));
        });
        const got: unknown[] = [];
        receiver.api.channel("demo").on("big", (d) => void got.push(d));
        w.relay.resetStats();

        await sender.api.channel("demo").emit("big", payload);
        await waitFor(() => got.length === 1, { timeout: 20_000, message: "the payload arrives" });
        // The sender's connection still carries traffic afterwards.
        await sender.api.channel("demo").emit("big", "after");
        await waitFor(() => got.length === 2, {
          timeout: 5_000,
          message: "a message after the payload arrives",
        });
        off();

        expect(got[0]).toBe(payload);
        expect(got[1]).toBe("after");
        expect(disconnects).toEqual([]);
        expect(sender.client.socket.connected).toBe(true);
        // Cut into several frames, none of them near the relay's limit once socket.io has written it.
        expect(w.relay.framesRelayed).toBeGreaterThan(2);
        expect(w.relay.largestFrameBytes).toBeLessThan(RELAY_MESSAGE_LIMIT);
        expect(messages).toBeGreaterThan(2);
        expect(largestPacket).toBeLessThan(RELAY_MESSAGE_LIMIT);
        expect(largestPacket).toBeLessThanOrEqual(MAX_FRAME_BYTES + 200);
      },
      40_000,
    );
  });
}
