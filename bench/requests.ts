/**
 * 11. Batched requests and replies: a player sends 10,000 requests to the GM at once and awaits them all, in
 * the in-memory world in virtual time (test/harness/memory-relay.ts), so the count of frames through the relay
 * is exact and the same on every machine. Without batching each request and each reply is one socket message:
 * 2 frames per request. Socket Manager's own traffic (hellos, pings) during the burst is counted too.
 */
import { createWorld, peerOf, STANDARD_USERS, startPeers, stopPeers } from "../test/harness";
import type { Failure } from "./common";
import { failure, log, UNLIMITED } from "./common";
import { round } from "./stats";

export interface RequestsResult {
  requests: number;
  /** Frames through the relay during the burst (requests and replies). */
  frames: number;
  framesPerRequest: number;
  /** Frames a one-message-per-call transport sends for the same burst (a request and a reply each). */
  unbatchedFrames: number;
  /** Virtual ms from the first request to the last reply. */
  virtualMs: number;
  /** Real ms the whole burst took in this process (both clients and the relay). */
  wallMs: number;
}

export async function runRequests(requests: number): Promise<RequestsResult | Failure> {
  const users = STANDARD_USERS.filter((u) => u.id === "gm1" || u.id === "p1");
  const world = await createWorld({ users, network: "memory" });
  const peers = await startPeers(world, { ...UNLIMITED, requestTimeout: 600_000 });
  try {
    const gm = peerOf(peers, "gm1");
    const p1 = peerOf(peers, "p1");
    gm.api.channel("bench").handle("echo", (n: number) => n);
    await world.delivered("gm1");
    world.relay.resetStats();
    const startVirtual = world.clock.now();
    const startWall = performance.now();
    const channel = p1.api.channel("bench");
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, i) => channel.request<number>("echo", i)),
    );
    const wallMs = performance.now() - startWall;
    const virtualMs = world.clock.now() - startVirtual;
    const wrong = answers.findIndex((a, i) => a !== i);
    if (wrong >= 0) throw new Error(`request ${wrong} was answered ${answers[wrong]}`);
    const frames = world.relay.framesRelayed;
    log(`requests: ${requests} in ${frames} frames (${round(frames / requests, 4)} per request)`);
    return {
      requests,
      frames,
      framesPerRequest: frames / requests,
      unbatchedFrames: 2 * requests,
      virtualMs,
      wallMs: round(wallMs, 1),
    };
  } catch (e) {
    return failure(e);
  } finally {
    stopPeers(peers);
    await world.close();
  }
}
