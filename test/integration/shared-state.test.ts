/**
 * Shared state (`channel.shared`) in the in-memory world, in virtual time: late joiners, long streams, refused
 * proposals, the GM leaving or reloading, players reloading, a world restart with `persist`, size bounds,
 * and a hostile player. Every wait is bounded; nothing sleeps on the machine's clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SharedChange, SharedOptions, SharedState } from "../../src/contract/types";
import { settingKey } from "../../src/shared/registry";
import { SNAPSHOTS_PER_WINDOW } from "../../src/shared/state";
import {
  CONTRACT_RUNS,
  createWorld,
  delivered,
  every,
  type Peer,
  peerOf,
  STANDARD_USERS,
  sleep,
  startPeer,
  startPeers,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

interface Board {
  round: number;
  turn: number;
  order: string[];
  notes: Record<string, string>;
}

const INITIAL: Board = { round: 0, turn: 0, order: [], notes: {} };
const MOD = "initiative";
const KEY = "board";
const users = (...ids: string[]) => STANDARD_USERS.filter((u) => ids.includes(u.id));

function boardOf(peer: Peer, opts: Partial<SharedOptions<Board>> = {}): SharedState<Board> {
  return peer.api.channel(MOD).shared<Board>(KEY, { initial: INITIAL, ...opts });
}

/** What one client's subscriber saw: every version, and the value (as JSON) at each. */
interface Seen {
  versions: number[];
  values: Map<number, string>;
  changes: SharedChange[];
}

function watch(state: SharedState<Board>): Seen {
  const seen: Seen = { versions: [], values: new Map(), changes: [] };
  state.subscribe((value, change) => {
    seen.versions.push(change.version);
    seen.values.set(change.version, JSON.stringify(value));
    seen.changes.push(change);
  });
  return seen;
}

function strictlyIncreasing(list: readonly number[]): boolean {
  return list.every((v, i) => i === 0 || v > (list[i - 1] as number));
}

/** Stops one peer the way a closed tab does, and waits until everyone saw it leave. */
async function leave(world: World, peers: Map<string, Peer>, id: string): Promise<void> {
  stopPeers(new Map([[id, peerOf(peers, id)]]));
  peers.delete(id);
  await world.leave(id);
}

for (const { transport, name } of CONTRACT_RUNS.filter((run) => run.network === "memory"))
  describe(`shared state (${name})`, () => {
    const socketlib = transport === "socketlib";
    let world: World | null = null;
    let peers = new Map<string, Peer>();

    afterEach(async () => {
      stopPeers(peers);
      peers = new Map();
      await world?.close();
      world = null;
    });

    async function start(ids: string[], connect = ids): Promise<World> {
      world = await createWorld({ users: users(...ids), network: "memory", socketlib, connect });
      peers = await startPeers(world);
      return world;
    }

    async function join(id: string): Promise<Peer> {
      if (!world) throw new Error("no world");
      await world.join(id);
      const peer = await startPeer(world.client(id));
      peers.set(id, peer);
      return peer;
    }

    it("a late joiner holds `initial` at version 0 until its snapshot, then exactly the GM's value and version", async () => {
      const w = await start(["gm1", "p1", "p2"], ["gm1", "p1"]);
      const gm = boardOf(peerOf(peers, "gm1"));
      const p1 = boardOf(peerOf(peers, "p1"));
      const history = new Map<number, string>([[0, JSON.stringify(INITIAL)]]);
      gm.subscribe((value, change) => history.set(change.version, JSON.stringify(value)));
      await waitFor(() => gm.synced && p1.synced, { message: "both hold the GM's value" });
      for (let i = 0; i < 20; i++) {
        await gm.update((d) => {
          d.round++;
          d.order.push(`c${i}`);
        });
      }
      // Patches keep flowing while p2 joins, so some reach it before its snapshot does.
      const stop = every(w.clock, 3, () => void gm.update((d) => void d.turn++));
      const p2peer = await join("p2");
      const p2 = boardOf(p2peer);
      expect(p2.synced).toBe(false);
      expect(p2.version).toBe(0);
      expect(p2.value).toEqual(INITIAL);
      const seen = watch(p2);
      await waitFor(() => p2.synced, { message: "p2 gets its snapshot" });
      await sleep(100);
      stop();
      await waitFor(() => p2.version === gm.version && p1.version === gm.version, {
        message: "all at one version",
      });

      expect(p2.value).toEqual(gm.value);
      expect(p1.value).toEqual(gm.value);
      expect(gm.version).toBeGreaterThan(20);
      // Its first value was a whole one, and every value it ever showed is the GM's at that very version.
      expect(seen.versions[0]).toBeGreaterThanOrEqual(20);
      expect(seen.changes[0]?.patch).toEqual([[[], expect.any(Object)]]);
      for (const [version, json] of seen.values) expect(json).toBe(history.get(version));
      expect(strictlyIncreasing(seen.versions)).toBe(true);
      expect(Object.isFrozen(p2.value) && Object.isFrozen(p2.value.order)).toBe(true);
    });

    it("1,000 updates from the GM reach every player in order: each version with patchRate 0, none lost with the window", async () => {
      await start(["gm1", "p1", "p2"]);
      const opts = { patchRate: 0 };
      const gm = boardOf(peerOf(peers, "gm1"), opts);
      const players = ["p1", "p2"].map((id) => boardOf(peerOf(peers, id), opts));
      await waitFor(() => gm.synced && players.every((p) => p.synced));
      const seen = players.map(watch);
      let last: Promise<number> = Promise.resolve(0);
      for (let i = 0; i < 1000; i++)
        last = gm.update((d) => {
          d.round = i + 1;
        });
      await expect(last).resolves.toBe(1000);
      await waitFor(() => players.every((p) => p.version === 1000), { message: "every player at 1000" });
      const all = Array.from({ length: 1000 }, (_, i) => i + 1);
      for (const [i, p] of players.entries()) {
        expect(seen[i]?.versions).toEqual(all);
        expect(p.value).toEqual(gm.value);
        expect(p.value.round).toBe(1000);
      }

      // With the default window, changes of one window travel as one patch: fewer notifications, versions
      // still strictly increasing, and no version gap (no resync) anywhere.
      const windowed = { patchRate: 50 };
      const gm2 = peerOf(peers, "gm1")
        .api.channel(MOD)
        .shared<Board>("windowed", { initial: INITIAL, ...windowed });
      const p2s = ["p1", "p2"].map((id) =>
        peerOf(peers, id)
          .api.channel(MOD)
          .shared<Board>("windowed", { initial: INITIAL, ...windowed }),
      );
      await waitFor(() => p2s.every((p) => p.synced));
      const seen2 = p2s.map(watch);
      for (let i = 0; i < 1000; i++) {
        await gm2.update((d) => void d.order.push(String(i)));
        if (i % 25 === 0) await sleep(7);
      }
      await waitFor(() => p2s.every((p) => p.version === 1000));
      for (const [i, p] of p2s.entries()) {
        const versions = seen2[i]?.versions ?? [];
        expect(strictlyIncreasing(versions)).toBe(true);
        expect(versions.length).toBeLessThan(1000);
        expect(versions.at(-1)).toBe(1000);
        expect(p.value).toEqual(gm2.value);
        expect(p.value.order).toHaveLength(1000);
      }
      const infos = peerOf(peers, "p1").api.shared();
      expect(infos.map((s) => [s.key, s.resyncs, s.synced, s.authority])).toEqual([
        [KEY, 0, true, false],
        ["windowed", 0, true, false],
      ]);
    });

    it("a player's refused proposal rejects typed and leaves no trace on any client", async () => {
      await start(["gm1", "p1", "p2"]);
      const Schema = z.object({
        round: z.number().int().min(0),
        turn: z.number(),
        order: z.array(z.string()).max(5),
        notes: z.record(z.string(), z.string()),
      });
      const specs: [string, Partial<SharedOptions<Board>>][] = [
        ["gm-only", {}],
        ["schema", { write: "player", schema: Schema }],
        [
          "predicate",
          { write: (sender, change) => change.value.notes[sender.id] !== undefined || sender.isGM },
        ],
        ["small", { write: "player", maxPatchBytes: 64 }],
      ];
      const ids = ["gm1", "p1", "p2"];
      const states = new Map(
        specs.map(([key, opts]) => [
          key,
          ids.map((id) =>
            peerOf(peers, id)
              .api.channel(MOD)
              .shared<Board>(key, { initial: INITIAL, ...opts }),
          ),
        ]),
      );
      await waitFor(() => [...states.values()].flat().every((s) => s.synced));
      const seen = [...states.values()].flat().map(watch);
      const p1 = (key: string) => states.get(key)?.[1] as SharedState<Board>;
      const { errors } = peerOf(peers, "p1").api;

      const denied = await p1("gm-only")
        .update((d) => void d.round++)
        .catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(errors.PermissionDeniedError);
      expect(denied).toMatchObject({ moduleId: MOD, event: "gm-only" });
      const invalid = await p1("schema")
        .set({ round: -1 })
        .catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(errors.ValidationError);
      expect((invalid as InstanceType<typeof errors.ValidationError>).issues[0]?.path).toEqual(["round"]);
      await expect(
        p1("schema").update((d) => void d.order.push("a", "b", "c", "d", "e", "f")),
      ).rejects.toBeInstanceOf(errors.ValidationError);
      await expect(
        p1("predicate").update((d) => {
          d.notes.p2 = "mine now";
        }),
      ).rejects.toBeInstanceOf(errors.PermissionDeniedError);
      await expect(p1("small").set({ notes: { p1: "x".repeat(100) } })).rejects.toBeInstanceOf(
        errors.PayloadTooLargeError,
      );
      // A value that is not JSON never leaves the client.
      await expect(p1("schema").set({ notes: { when: new Date() as never } })).rejects.toBeInstanceOf(
        errors.ValidationError,
      );

      await delivered(peers, "gm1");
      await delivered(peers, "p1");
      for (const list of states.values()) {
        for (const s of list) {
          expect(s.version).toBe(0);
          expect(s.value).toEqual(INITIAL);
        }
      }
      expect(seen.every((s) => s.versions.length === 0)).toBe(true);

      // Allowed ones apply, and resolve once the proposer itself holds the change.
      await expect(p1("schema").set({ round: 3 })).resolves.toBe(1);
      expect(p1("schema").value.round).toBe(3);
      await expect(
        p1("predicate").update((d) => {
          d.notes.p1 = "mine";
        }),
      ).resolves.toBe(1);
      await waitFor(() =>
        [...states.values()].every((list) => list.every((s) => s.version === list[0]?.version)),
      );
    });

    it("when the active GM leaves mid-stream, the next GM continues: no client's version goes back, proposals settle once", async () => {
      const w = await start(["gm1", "gm2", "p1", "p2"]);
      const ids = ["gm1", "gm2", "p1", "p2"];
      const boards = new Map(ids.map((id) => [id, boardOf(peerOf(peers, id), { write: "player" })]));
      const board = (id: string) => boards.get(id) as SharedState<Board>;
      await waitFor(() => [...boards.values()].every((b) => b.synced));
      const seen = new Map(ids.map((id) => [id, watch(board(id))]));

      const stopGm1 = every(w.clock, 5, () => void board("gm1").update((d) => void d.round++));
      const outcomes: ("ok" | "typed" | "other")[] = [];
      let sent = 0;
      const stopP1 = every(w.clock, 7, () => {
        const n = sent++;
        board("p1")
          .update((d) => {
            d.notes[`p1-${n}`] = "x";
          })
          .then(
            () => outcomes.push("ok"),
            (e: unknown) =>
              outcomes.push(
                e instanceof peerOf(peers, "p1").api.errors.SocketManagerError ? "typed" : "other",
              ),
          );
      });
      await waitFor(() => board("gm1").version >= 60, { message: "gm1 streams" });
      stopGm1();
      const mark = board("gm1").version;
      await waitFor(() => board("gm2").version >= mark, { message: "gm2 has gm1's stream" });
      await leave(w, peers, "gm1");
      await waitFor(() => peerOf(peers, "gm2").api.shared()[0]?.authority === true, {
        message: "gm2 takes over",
      });
      const stopGm2 = every(w.clock, 5, () => void board("gm2").update((d) => void d.turn++));
      await waitFor(() => board("gm2").value.turn >= 40, { message: "gm2 streams" });
      stopGm2();
      stopP1();
      await waitFor(() => outcomes.length === sent, { timeout: 30_000, message: "every proposal settles" });
      await waitFor(() => ["p1", "p2"].every((id) => board(id).version === board("gm2").version));

      expect(outcomes.filter((o) => o === "other")).toEqual([]);
      expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThan(10);
      for (const id of ["gm2", "p1", "p2"]) {
        expect(board(id).value).toEqual(board("gm2").value);
        expect(strictlyIncreasing(seen.get(id)?.versions ?? [])).toBe(true);
      }
      expect(strictlyIncreasing(seen.get("gm1")?.versions ?? [])).toBe(true);
      expect(board("gm2").value.round).toBeGreaterThanOrEqual(board("gm1").value.round);
    });

    describe("a player holds a newer value than the GM taking over", () => {
      /** gm1 and p1 hold the state at version 10; gm1 leaves; gm2 creates it only then. */
      async function setup(opts: Partial<SharedOptions<Board>>) {
        const w = await start(["gm1", "gm2", "p1"]);
        const gm1 = boardOf(peerOf(peers, "gm1"), { patchRate: 0, ...opts });
        const p1 = boardOf(peerOf(peers, "p1"), { patchRate: 0, ...opts });
        await waitFor(() => p1.synced);
        const seen = watch(p1);
        for (let i = 0; i < 10; i++) await gm1.update((d) => void d.order.push(`c${i}`));
        await waitFor(() => p1.version === 10);
        await leave(w, peers, "gm1");
        const gm2 = boardOf(peerOf(peers, "gm2"), { patchRate: 0, ...opts });
        expect(gm2.version).toBe(0);
        return { p1, gm2, seen };
      }

      it("it is taken when `write` lets that player make it: the player keeps its value and version", async () => {
        const { p1, gm2, seen } = await setup({ write: "player" });
        await waitFor(() => gm2.synced && gm2.version === 10, { message: "gm2 continues from p1's value" });
        expect(gm2.value).toEqual(p1.value);
        expect(p1.value.order).toHaveLength(10);
        await gm2.update((d) => void d.round++);
        await waitFor(() => p1.version === 11);
        expect(p1.value).toEqual(gm2.value);
        expect(seen.versions).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      });

      it("otherwise the GM's own value is numbered past it: the player moves forward, never back", async () => {
        const { p1, gm2, seen } = await setup({});
        await waitFor(() => gm2.synced && p1.version === 11, { message: "p1 moves to gm2's version 11" });
        expect(gm2.version).toBe(11);
        expect(p1.value).toEqual(INITIAL);
        expect(seen.versions).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      });
    });

    it("a player's page reload (a new session) resynchronises, and the others are not disturbed", async () => {
      const w = await start(["gm1", "p1", "p2"]);
      const gm = boardOf(peerOf(peers, "gm1"));
      const p2 = boardOf(peerOf(peers, "p2"));
      const first = boardOf(peerOf(peers, "p1"));
      for (let i = 0; i < 5; i++) await gm.update((d) => void d.round++);
      await waitFor(() => first.version === 5 && p2.version === 5);
      const seenP2 = watch(p2);
      const old = peerOf(peers, "p1");

      w.relay.cutUser("p1", 6000);
      const stop = every(w.clock, 100, () => void gm.update((d) => void d.turn++));
      await waitFor(() => w.reloads === 1, { timeout: 30_000, message: "p1's page reloads" });
      await waitFor(() => peers.get("p1") !== old && peers.get("p1")?.api.state === "connected", {
        timeout: 10_000,
        message: "p1's new page runs Socket Manager",
      });
      const again = boardOf(peerOf(peers, "p1"));
      expect(again).not.toBe(first);
      expect(again.version).toBe(0);
      await waitFor(() => again.synced, { message: "the new page gets a snapshot" });
      stop();
      await waitFor(() => again.version === gm.version && p2.version === gm.version);
      expect(gm.version).toBeGreaterThan(20);
      expect(again.value).toEqual(gm.value);
      expect(strictlyIncreasing(seenP2.versions)).toBe(true);
      expect(peerOf(peers, "p2").api.shared()[0]?.resyncs).toBe(0);
    });

    it("the GM's page reload: the new page resumes from its saved value, or takes a player's when `write` allows", async () => {
      // Peers started by hand: the reloaded page gets the world's settings, as Foundry's server keeps them.
      world = await createWorld({ users: users("gm1", "p1"), network: "memory", socketlib });
      const w = world;
      for (const id of ["gm1", "p1"]) peers.set(id, await startPeer(w.client(id)));
      w.onReload((id, client) => {
        const old = peerOf(peers, id);
        old.manager.dispose();
        const stored = Object.fromEntries(old.foundry.game.settings.changes.map((c) => [c.key, c.value]));
        void startPeer(client, {}, { settings: stored }).then((peer) => peers.set(id, peer));
      });
      const saved = { persist: true };
      const free = { write: "player" as const };
      const gm = peerOf(peers, "gm1").api.channel(MOD);
      const p1ch = peerOf(peers, "p1").api.channel(MOD);
      const gmSaved = gm.shared<Board>(KEY, { initial: INITIAL, ...saved });
      const gmFree = gm.shared<Board>("free", { initial: INITIAL, ...free });
      const p1Saved = p1ch.shared<Board>(KEY, { initial: INITIAL, ...saved });
      const p1Free = p1ch.shared<Board>("free", { initial: INITIAL, ...free });
      for (let i = 0; i < 7; i++) {
        await gmSaved.update((d) => void d.round++);
        await gmFree.update((d) => void d.turn++);
      }
      await waitFor(() => p1Saved.version === 7 && p1Free.version === 7);
      const seen = [watch(p1Saved), watch(p1Free)];
      const old = peerOf(peers, "gm1");

      w.relay.cutUser("gm1", 6000);
      await waitFor(() => w.reloads === 1, { timeout: 30_000, message: "the GM's page reloads" });
      await waitFor(() => peers.get("gm1") !== old && peers.get("gm1")?.api.state === "connected", {
        timeout: 10_000,
        message: "the new page runs Socket Manager",
      });
      const again = peerOf(peers, "gm1").api.channel(MOD);
      const savedAgain = again.shared<Board>(KEY, { initial: INITIAL, ...saved });
      const freeAgain = again.shared<Board>("free", { initial: INITIAL, ...free });
      expect(savedAgain.version).toBe(0);
      await waitFor(() => savedAgain.synced && freeAgain.synced, { message: "the new page takes over" });
      expect([savedAgain.version, freeAgain.version]).toEqual([7, 7]);
      expect(savedAgain.value).toEqual(p1Saved.value);
      expect(savedAgain.value.round).toBe(7);
      expect(freeAgain.value).toEqual(p1Free.value);
      expect(freeAgain.value.turn).toBe(7);
      // p1 held the same value all along: it heard of no change at all.
      await delivered(peers, "gm1");
      expect(seen.map((s) => s.versions)).toEqual([[], []]);
      await savedAgain.update((d) => void d.round++);
      await freeAgain.update((d) => void d.turn++);
      await waitFor(() => p1Saved.version === 8 && p1Free.version === 8);
    });

    it("persist: after a world restart the GM resumes from the saved value and version", async () => {
      await start(["gm1", "p1"]);
      const opts = { persist: true, patchRate: 0 };
      const gm = boardOf(peerOf(peers, "gm1"), opts);
      const p1 = boardOf(peerOf(peers, "p1"), opts);
      for (let i = 0; i < 5; i++) await gm.update((d) => void d.order.push(`c${i}`));
      const settings = peerOf(peers, "gm1").foundry.game.settings;
      const id = `socket-manager.${settingKey({ m: MOD, k: KEY })}`;
      await waitFor(() => settings.changes.filter((c) => c.key === id).at(-1)?.value, {
        message: "the GM saves",
      });
      const stored = settings.changes.filter((c) => c.key === id).at(-1)?.value as { v: number; d: Board };
      expect(stored.v).toBe(5);
      expect(settings.registered.get(id)).toMatchObject({ scope: "world", config: false });
      // Saving is throttled: five changes, one write.
      expect(settings.changes.filter((c) => c.key === id)).toHaveLength(1);
      expect(p1.version).toBe(5);

      stopPeers(peers);
      peers = new Map();
      await world?.close();
      world = await createWorld({ users: users("gm1", "p1"), network: "memory", socketlib });
      peers.set(
        "gm1",
        await startPeer(world.client("gm1"), {}, { settings: { [id]: structuredClone(stored) } }),
      );
      peers.set("p1", await startPeer(world.client("p1")));
      const gmAgain = boardOf(peerOf(peers, "gm1"), opts);
      const p1Again = boardOf(peerOf(peers, "p1"), opts);
      await waitFor(() => gmAgain.synced && p1Again.synced && p1Again.version === 5, {
        message: "both resume at version 5",
      });
      expect(gmAgain.version).toBe(5);
      expect(gmAgain.value).toEqual(stored.d);
      expect(p1Again.value).toEqual(stored.d);
      await gmAgain.update((d) => void d.round++);
      await waitFor(() => p1Again.version === 6);
    });

    it("bounds: a state or a change over its limit is refused with PayloadTooLargeError; a 1 MB state reaches a late joiner in chunks", async () => {
      await start(["gm1", "p1", "p2"], ["gm1", "p1"]);
      const gmPeer = peerOf(peers, "gm1");
      const { PayloadTooLargeError } = gmPeer.api.errors;
      const ch = gmPeer.api.channel(MOD);
      expect(() => ch.shared("huge", { initial: { s: "x".repeat(2000) }, maxBytes: 1000 })).toThrow(
        PayloadTooLargeError,
      );
      const small = ch.shared("small", {
        initial: { notes: {} as Record<string, string> },
        maxBytes: 1000,
        maxPatchBytes: 300,
      });
      const p1small = peerOf(peers, "p1")
        .api.channel(MOD)
        .shared("small", {
          initial: { notes: {} as Record<string, string> },
          maxBytes: 1000,
          maxPatchBytes: 300,
        });
      await waitFor(() => small.synced && p1small.synced);
      await expect(
        small.update((d) => {
          d.notes.a = "x".repeat(400);
        }),
      ).rejects.toThrow(/maxPatchBytes is 300/);
      for (const k of ["a", "b", "c"])
        await small.update((d) => {
          d.notes[k] = "x".repeat(250);
        });
      await expect(
        small.update((d) => {
          d.notes.d = "x".repeat(250);
        }),
      ).rejects.toThrow(/maxBytes is 1000/);
      expect(small.version).toBe(3);
      await waitFor(() => p1small.version === 3);
      await expect(
        p1small.update((d) => {
          d.notes.e = "y".repeat(250);
        }),
      ).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(
        peerOf(peers, "gm1")
          .api.shared()
          .find((s) => s.key === "small")?.bytes,
      ).toBeLessThanOrEqual(1000);

      // The defaults: 256 KiB per change, 1 MiB per state.
      const gm = boardOf(gmPeer);
      await expect(
        gm.update((d) => {
          d.notes.big = "z".repeat(300_000);
        }),
      ).rejects.toThrow(/maxPatchBytes/);
      for (let i = 0; i < 5; i++)
        await gm.update((d) => {
          d.notes[`n${i}`] = String(i).repeat(200_000);
        });
      await expect(
        gm.update((d) => {
          d.notes.n5 = "5".repeat(200_000);
        }),
      ).rejects.toThrow(/maxBytes/);
      const info = gmPeer.api.shared().find((s) => s.key === KEY);
      expect(info?.bytes).toBe(new TextEncoder().encode(JSON.stringify(gm.value)).length);
      expect(info?.bytes).toBeGreaterThan(1_000_000);
      const p2 = boardOf(await join("p2"));
      await waitFor(() => p2.synced, { timeout: 10_000, message: "the 1 MB snapshot arrives in chunks" });
      expect(p2.version).toBe(5);
      expect(p2.value).toEqual(gm.value);
      // The late joiner measures the snapshot's size only when asked: then it is the exact size.
      const joined = peerOf(peers, "p2")
        .api.shared()
        .find((s) => s.key === KEY);
      expect(joined?.bytes).toBe(new TextEncoder().encode(JSON.stringify(p2.value)).length);
    });

    it("`initial` is read once, at the call: not again when shared state's code has loaded", async () => {
      await start(["gm1", "p1"]);
      let reads = 0;
      const initial = {
        ...INITIAL,
        get notes() {
          reads++;
          return { a: "b" };
        },
      };
      const p1 = peerOf(peers, "p1").api.channel(MOD).shared<Board>(KEY, { initial });
      const gm = boardOf(peerOf(peers, "gm1"));
      await waitFor(() => p1.synced && gm.synced && p1.version === gm.version);
      expect(reads).toBe(1);
    });

    it("the same key gives the same object; other options throw; dispose; api.shared(); a throwing subscriber", async () => {
      await start(["gm1", "p1"]);
      const gmPeer = peerOf(peers, "gm1");
      const gm = boardOf(gmPeer);
      expect(boardOf(gmPeer)).toBe(gm);
      expect(() => boardOf(gmPeer, { patchRate: 10 })).toThrow(gmPeer.api.errors.ValidationError);
      expect(() => boardOf(gmPeer, { write: "player" })).toThrow(/another write/);
      expect(() => gmPeer.api.channel(MOD).shared(KEY, { initial: { other: 1 } })).toThrow(/another initial/);
      expect(() => gmPeer.api.channel(MOD).shared("x", { initial: () => 1 })).toThrow(/function/);
      expect(() => gmPeer.api.channel(MOD).shared("x", { initial: 1, bogus: true } as never)).toThrow(
        /bogus/,
      );
      expect(() => gmPeer.api.channel(MOD).shared("", { initial: 1 })).toThrow(
        gmPeer.api.errors.ValidationError,
      );

      const p1 = boardOf(peerOf(peers, "p1"));
      const calls: string[] = [];
      p1.subscribe(() => {
        calls.push("first");
        throw new Error("a subscriber's bug");
      });
      const off = p1.subscribe((value) => calls.push(`second ${value.round}`));
      await waitFor(() => p1.synced);
      await gm.update((d) => void d.round++);
      await waitFor(() => p1.version === 1);
      off();
      await expect(gm.set({ round: 5 })).resolves.toBe(2);
      await waitFor(() => p1.version === 2);
      // Taking the GM's value at version 0 (still `initial`) is told once, so a view can stop "waiting"; the
      // first subscriber's throw stops nothing.
      expect(calls).toEqual(["first", "second 0", "first", "second 1", "first"]);
      const logged = peerOf(peers, "p1").api.metrics().recentErrors;
      expect(logged.filter((e) => e.message.includes("a subscriber of shared"))).toHaveLength(3);
      expect(peerOf(peers, "p1").api.metrics().handlerErrors).toBeGreaterThanOrEqual(3);
      expect(() => {
        (p1.value as { round: number }).round = 99;
      }).toThrow(TypeError);

      expect(peerOf(peers, "p1").api.shared()).toEqual([
        {
          moduleId: MOD,
          key: KEY,
          version: 2,
          bytes: JSON.stringify(p1.value).length,
          subscribers: 1,
          authority: false,
          synced: true,
          persist: false,
          resyncs: 0,
        },
      ]);
      expect(gmPeer.api.shared()[0]).toMatchObject({ authority: true, version: 2 });
      p1.dispose();
      expect(peerOf(peers, "p1").api.shared()).toEqual([]);
      await expect(p1.update(() => {})).rejects.toThrow(/disposed/);
      const fresh = boardOf(peerOf(peers, "p1"));
      expect(fresh).not.toBe(p1);
      await waitFor(() => fresh.synced && fresh.version === 2);
      peerOf(peers, "p1").api.channel(MOD).dispose();
      expect(peerOf(peers, "p1").api.shared()).toEqual([]);
    });

    it("local mode: this client is the authority; changes apply at once and nothing is sent", async () => {
      await start(["p1", "p2"]);
      const p1 = peerOf(peers, "p1");
      p1.api.local.enable();
      const board = boardOf(p1, { patchRate: 0 });
      const sentBefore = p1.api.metrics().messagesSent;
      await expect(board.update((d) => void d.round++)).resolves.toBe(1);
      expect(board.value.round).toBe(1);
      expect(p1.api.shared()[0]).toMatchObject({ authority: true, synced: true, version: 1 });
      expect(p1.api.metrics().messagesSent).toBe(sentBefore);
      // Without a GM and outside local mode, a change has nobody to go to.
      const p2board = boardOf(peerOf(peers, "p2"));
      await expect(p2board.update((d) => void d.round++)).rejects.toBeInstanceOf(
        peerOf(peers, "p2").api.errors.NoGMError,
      );
      expect(p2board.version).toBe(0);
    });

    it("a hostile player: forged patches and snapshots change nothing; floods of proposals and wants stay bounded", async () => {
      await start(["gm1", "p1", "p2"]);
      const slow = {
        "~standard": {
          version: 1 as const,
          vendor: "test",
          validate: (value: unknown) =>
            new Promise<{ value: unknown }>((resolve) =>
              peerOf(peers, "gm1").client.clock.setTimeout(() => resolve({ value }), 5),
            ),
        },
      };
      const opts = { write: "player" as const, schema: slow as never };
      const gm = boardOf(peerOf(peers, "gm1"), opts);
      const p2 = boardOf(peerOf(peers, "p2"), opts);
      await waitFor(() => gm.synced && p2.synced);
      const mallory = peerOf(peers, "p1").api.channel("socket-manager");
      const ref = { m: MOD, k: KEY };

      await mallory.emit("$sh.p", { ...ref, e: "x", f: 0, v: 1, by: "gm1", o: [[["round"], 666]] });
      await mallory.emit("$sh.s", { ...ref, e: "x", v: 99, by: "gm1", d: { ...INITIAL, round: 666 } });
      await delivered(peers, "p1");
      expect(gm.value.round).toBe(0);
      expect(p2.value.round).toBe(0);
      expect(peerOf(peers, "p2").api.metrics().dropped.permission).toBe(2);

      // 300 proposals at once: the GM holds at most 100 waiting per sender; the rest are refused at once.
      const replies = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          mallory.request<{ v?: number; x?: string }>(
            "$sh.q",
            { ...ref, o: [[["round"], i]] },
            { timeout: 30_000 },
          ),
        ),
      );
      const refused = replies.filter((r) => r.x === "SocketManagerError").length;
      const applied = replies.filter((r) => typeof r.v === "number").length;
      expect(applied + refused).toBe(300);
      expect(applied).toBeLessThanOrEqual(101 + 100);
      expect(refused).toBeGreaterThanOrEqual(99);
      await waitFor(() => p2.version === gm.version);

      // 200 wants from one player: a few snapshots go back (SNAPSHOTS_PER_WINDOW), not 200.
      const sentBefore =
        peerOf(peers, "gm1")
          .api.events()
          .find((e) => e.event === "$sh.s")?.sent ?? 0;
      for (let i = 0; i < 200; i++) void mallory.emit("$sh.w", { ...ref, e: null, v: 0 }, { to: ["gm1"] });
      await delivered(peers, "p1");
      await delivered(peers, "gm1");
      const sentAfter =
        peerOf(peers, "gm1")
          .api.events()
          .find((e) => e.event === "$sh.s")?.sent ?? 0;
      expect(sentAfter - sentBefore).toBeGreaterThanOrEqual(1);
      expect(sentAfter - sentBefore).toBeLessThanOrEqual(SNAPSHOTS_PER_WINDOW);
    });
  });
