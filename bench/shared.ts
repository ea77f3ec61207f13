/**
 * 9. Shared state (issue 14), in two parts:
 * - **Patches against whole states.** The GM changes one field of a ~50 KB state at 60 Hz for 10 s, and 20
 *   players follow it. Raw: the GM emits the whole state every tick, as modules do today. Socket Manager:
 *   `channel.shared()` with its default 50 ms patch window. Both run in the in-memory world in virtual time
 *   (test/harness/memory-relay.ts), so the count of frames and bytes through the relay is exact and the same
 *   on every machine; Socket Manager's own traffic (hellos, pings, snapshot requests) is counted too.
 * - **A late joiner.** Over a real socket.io relay on 127.0.0.1: the time for a player who joins late to hold
 *   a 1 MB state at rest (its snapshot, chunked by the pipeline) against the time for one raw 1 MB emit to
 *   arrive. The relay's message limit is raised to 4 MB for this part, or the raw contender could not send
 *   1 MB at all.
 */
import {
  createWorld,
  every,
  peerOf,
  STANDARD_USERS,
  startPeers,
  stopPeers,
  type UserSpec,
  waitFor,
} from "../test/harness";
import { type Failure, failure, log } from "./common";
import { median, round } from "./stats";

export interface SharedResult {
  players: number;
  hz: number;
  seconds: number;
  stateBytes: number;
  updates: number;
  frames: { whole: number; shared: number };
  bytes: { whole: number; shared: number };
  /** Whole-state bytes ÷ shared-state bytes. */
  bytesRatio: number;
  lateJoiner: { stateBytes: number; repetitions: number; rawMs: number; sharedMs: number; ratio: number };
}

/** A token tracker of about 50 KB: 310 tokens of about 160 bytes. */
function board(tokens: number): {
  tokens: { id: string; x: number; y: number; name: string; note: string }[];
} {
  return {
    tokens: Array.from({ length: tokens }, (_, i) => ({
      id: `Token.${i.toString(36).padStart(12, "0")}`,
      x: i * 10,
      y: i * 7,
      name: `Goblin ${i}`,
      note: "Hides behind the crates, bow drawn, waiting for the party to cross the bridge at dawn.",
    })),
  };
}

type Board = ReturnType<typeof board>;

function users(players: number): UserSpec[] {
  return [
    { id: "gm", name: "Game Master", role: 4 },
    ...Array.from({ length: players }, (_, i) => ({
      id: `p${i + 1}`,
      name: `Player ${i + 1}`,
      role: 1 as const,
    })),
  ];
}

/** The patch part: frames and bytes through the relay in virtual time. */
async function patches(opts: { players: number; hz: number; seconds: number }) {
  const state = board(310);
  const stateBytes = Buffer.byteLength(JSON.stringify(state));
  const ticks = Math.round(opts.hz * opts.seconds);
  const period = 1000 / opts.hz;
  const measure = async (contender: "whole" | "shared") => {
    const world = await createWorld({ users: users(opts.players), network: "memory" });
    const peers = await startPeers(world);
    try {
      const boards = new Map(
        [...peers].map(([id, p]) => [id, p.api.channel("bench").shared<Board>("board", { initial: state })]),
      );
      const gm = boards.get("gm");
      if (!gm) throw new Error("no GM board");
      await waitFor(() => [...boards.values()].every((b) => b.synced), { timeout: 30_000 });
      let seen = 0;
      const offRaw =
        contender === "whole"
          ? [...world.clients.values()].map((c) => {
              const fn = () => void seen++;
              c.socket.on("module.bench-whole", fn);
              return () => c.socket.off("module.bench-whole", fn);
            })
          : [];
      world.relay.resetStats();
      let tick = 0;
      let last = 0;
      await new Promise<void>((resolve) => {
        const stop = every(world.clock, period, () => {
          tick++;
          if (contender === "whole") {
            state.tokens[0] = { ...(state.tokens[0] as Board["tokens"][number]), x: tick };
            world.client("gm").socket.emit("module.bench-whole", state);
          } else {
            void gm
              .update((draft) => {
                (draft.tokens[0] as Board["tokens"][number]).x = tick;
              })
              .then((v) => {
                last = Math.max(last, v);
              });
          }
          if (tick >= ticks) {
            stop();
            resolve();
          }
        });
      });
      if (contender === "whole") await waitFor(() => seen === ticks * opts.players, { timeout: 30_000 });
      else {
        await waitFor(() => last > 0 && [...boards.values()].every((b) => b.version === gm.version), {
          timeout: 30_000,
        });
        const final = (gm.value.tokens[0] as Board["tokens"][number]).x;
        if (final !== ticks) throw new Error(`the GM's board ends at ${final}, not ${ticks}`);
      }
      for (const off of offRaw) off();
      return { frames: world.relay.framesRelayed, bytes: world.relay.bytesRelayed };
    } finally {
      stopPeers(peers);
      await world.close();
    }
  };
  const whole = await measure("whole");
  const shared = await measure("shared");
  return { stateBytes, updates: ticks, whole, shared };
}

/** The late-joiner part: wall-clock time over a real socket.io relay. */
async function lateJoiner(stateBytes: number, repetitions: number) {
  const big = { blob: "x".repeat(stateBytes - 20) };
  const people = STANDARD_USERS.filter((u) => u.id === "gm1" || u.id === "p1");
  const rawRuns: number[] = [];
  const sharedRuns: number[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    {
      const network = "socket.io" as const;
      // Raw: both connected, one emit of the whole state.
      const world = await createWorld({ users: people, network, maxHttpBufferSize: 4e6 });
      try {
        const got = new Promise<number>((resolve) =>
          world.client("p1").socket.on("module.bench-late", () => resolve(performance.now())),
        );
        const t0 = performance.now();
        world.client("gm1").socket.emit("module.bench-late", big);
        rawRuns.push((await got) - t0);
      } finally {
        await world.close();
      }
      // Socket Manager: the player's page is up; from its shared() call to holding the GM's value.
      const w2 = await createWorld({ users: people, network, maxHttpBufferSize: 4e6 });
      const peers = await startPeers(w2);
      try {
        const gm = peerOf(peers, "gm1")
          .api.channel("bench")
          .shared("late", { initial: big, maxBytes: 4 * 1024 * 1024, maxPatchBytes: 4 * 1024 * 1024 });
        const player = peerOf(peers, "p1").api;
        const before = player.metrics();
        await gm.set({ blob: `${"y".repeat(stateBytes - 20)}` });
        // The state is at rest before the player joins: the GM's patch of that change (held up to 50 ms in its
        // patch window) has reached the player's client, which drops it (it has no such state yet). Otherwise
        // the join's want flushes that 1 MB patch first and the timed window carries two 1 MB transfers.
        await waitFor(
          () => {
            const now = player.metrics();
            return now.bytesIn - before.bytesIn >= stateBytes && now.droppedTotal > before.droppedTotal;
          },
          { timeout: 30_000, interval: 1 },
        );
        const t0 = performance.now();
        const mine = player
          .channel("bench")
          .shared("late", { initial: big, maxBytes: 4 * 1024 * 1024, maxPatchBytes: 4 * 1024 * 1024 });
        // Timed to the change that completes it, as the raw contender is timed to its event (no polling delay).
        const holds = () => mine.synced && mine.version === gm.version;
        await new Promise<void>((resolve, reject) => {
          const off = mine.subscribe(() => {
            if (holds()) {
              off();
              resolve();
            }
          });
          waitFor(holds, { timeout: 30_000, interval: 10 }).then(() => {
            off();
            resolve();
          }, reject);
        });
        sharedRuns.push(performance.now() - t0);
      } finally {
        stopPeers(peers);
        await w2.close();
      }
    }
  }
  return { rawMs: round(median(rawRuns)), sharedMs: round(median(sharedRuns)) };
}

export async function benchShared(opts: {
  players: number;
  hz: number;
  seconds: number;
  lateJoinerBytes: number;
  repetitions: number;
}): Promise<SharedResult | Failure> {
  try {
    const p = await patches(opts);
    log(
      `shared: whole ${p.whole.frames} frames ${p.whole.bytes.toLocaleString("en-US")} B, ` +
        `shared ${p.shared.frames} frames ${p.shared.bytes.toLocaleString("en-US")} B`,
    );
    const late = await lateJoiner(opts.lateJoinerBytes, opts.repetitions);
    log(`shared: late joiner ${late.sharedMs} ms, raw 1 MB emit ${late.rawMs} ms`);
    return {
      players: opts.players,
      hz: opts.hz,
      seconds: opts.seconds,
      stateBytes: p.stateBytes,
      updates: p.updates,
      frames: { whole: p.whole.frames, shared: p.shared.frames },
      bytes: { whole: p.whole.bytes, shared: p.shared.bytes },
      bytesRatio: round(p.whole.bytes / Math.max(1, p.shared.bytes)),
      lateJoiner: {
        stateBytes: opts.lateJoinerBytes,
        repetitions: opts.repetitions,
        rawMs: late.rawMs,
        sharedMs: late.sharedMs,
        ratio: round(late.sharedMs / Math.max(0.001, late.rawMs)),
      },
    };
  } catch (e) {
    return failure(e);
  }
}
