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
  });
