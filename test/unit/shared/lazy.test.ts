import { describe, expect, it, vi } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import type { SharedChange, SharedInfo, SharedState } from "../../../src/contract/types";
import { LazySharedStates, type SharedRegistry } from "../../../src/shared/lazy";
import type { SharedStatesDeps } from "../../../src/shared/registry";

/** A registry whose states hold a value the test sets, and a loader the test releases. */
function fakeChunk() {
  const listeners = new Map<string, Set<(value: unknown, change: SharedChange) => void>>();
  const values = new Map<string, { value: unknown; version: number }>();
  const calls: string[] = [];
  const made = new Map<string, SharedState<unknown>>();
  const registry: SharedRegistry = {
    get(moduleId, key) {
      calls.push(`get ${moduleId}/${key}`);
      const id = `${moduleId}/${key}`;
      const known = made.get(id);
      if (known) return known;
      if (!values.has(id)) values.set(id, { value: "from-gm", version: 7 });
      const subs = listeners.get(id) ?? new Set();
      listeners.set(id, subs);
      const state = {
        moduleId,
        key,
        get value() {
          return values.get(id)?.value;
        },
        get version() {
          return values.get(id)?.version ?? 0;
        },
        synced: true,
        subscribe(fn) {
          subs.add(fn);
          return () => subs.delete(fn);
        },
        update: async () => {
          calls.push(`update ${id}`);
          return 8;
        },
        set: async () => 9,
        dispose: () => calls.push(`dispose ${id}`),
      } satisfies SharedState<unknown>;
      made.set(id, state);
      return state;
    },
    list: () => [{ moduleId: "m", key: "k" } as SharedInfo],
    disposeModule: (m) => calls.push(`disposeModule ${m}`),
    start: () => calls.push("start"),
    dispose: () => calls.push("dispose"),
  };
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const load = vi.fn(async () => {
    await gate;
    return registry;
  });
  const emit = (id: string, value: unknown, version: number) => {
    values.set(id, { value, version });
    for (const fn of listeners.get(id) ?? [])
      fn(value, { version, changedBy: "gm", patch: [] } as unknown as SharedChange);
  };
  return { load, release, calls, emit };
}

const deps = () =>
  ({ core: { log: { error: vi.fn() }, clock: { track: vi.fn() } } }) as unknown as SharedStatesDeps & {
    core: { clock: { track: ReturnType<typeof vi.fn> } };
  };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("LazySharedStates: shared state loads on first use", () => {
  it("loads nothing until a state is asked for, then loads once, telling the clock to wait for it", async () => {
    const chunk = fakeChunk();
    const d = deps();
    const lazy = new LazySharedStates(d, chunk.load);
    lazy.start();
    expect(chunk.load).not.toHaveBeenCalled();
    lazy.get("m", "a", { initial: 1 });
    lazy.get("m", "b", { initial: 2 });
    expect(chunk.load).toHaveBeenCalledTimes(1);
    expect(d.core.clock.track).toHaveBeenCalledTimes(1);
    chunk.release();
    await settle();
    expect(lazy.loaded).toBe(true);
    // Started before the chunk came: the chunk's registry is started once it is there.
    expect(chunk.calls).toEqual(["start", "get m/a", "get m/b"]);
  });

  it("reads as `initial` at version 0 until the chunk is there, then as the real state", async () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    const board = lazy.get("m", "board", { initial: { round: 1 } });
    expect(board.value).toEqual({ round: 1 });
    expect(Object.isFrozen(board.value)).toBe(true);
    expect([board.version, board.synced]).toEqual([0, false]);
    chunk.release();
    await settle();
    expect([board.value, board.version, board.synced]).toEqual(["from-gm", 7, true]);
    // The same object for the same key, before and after.
    expect(lazy.get("m", "board", { initial: { round: 1 } })).toBe(board);
  });

  it("subscriptions made while loading hear changes after, and can be dropped before", async () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    const board = lazy.get("m", "board", { initial: 0 });
    const heard: unknown[] = [];
    const dropped: unknown[] = [];
    board.subscribe((value) => heard.push(value));
    const off = board.subscribe((value) => dropped.push(value));
    off();
    chunk.release();
    await settle();
    chunk.emit("m/board", "v8", 8);
    expect(heard).toEqual(["v8"]);
    expect(dropped).toEqual([]);
  });

  it("update waits for the chunk and goes to the real state", async () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    const board = lazy.get("m", "board", { initial: 0 });
    let version: number | null = null;
    void board
      .update(() => {})
      .then((v) => {
        version = v;
      });
    await settle();
    expect(version).toBeNull();
    chunk.release();
    await settle();
    expect(version).toBe(8);
    expect(chunk.calls).toContain("update m/board");
  });

  it("checks the options at once: a mistake throws where the author called", () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    expect(() => lazy.get("m", "board", { initial: 1, interval: 5 })).toThrow(ValidationError);
    expect(() => lazy.get("m", "", { initial: 1 })).toThrow(ValidationError);
    lazy.get("m", "board", { initial: 1 });
    expect(() => lazy.get("m", "board", { initial: 2 })).toThrow(/already exists with another initial/);
    expect(chunk.load).toHaveBeenCalledTimes(1);
  });

  it("a state disposed while loading is never created; its update rejects typed", async () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    const gone = lazy.get("m", "gone", { initial: 0 });
    lazy.get("m", "kept", { initial: 0 });
    gone.dispose();
    const update = gone.update(() => {});
    chunk.release();
    await expect(update).rejects.toThrow(ValidationError);
    expect(chunk.calls).toEqual(["get m/kept"]);
  });

  it("lists the states asked for while loading, then the chunk's list", async () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    lazy.get("m", "board", { initial: { a: 1 }, persist: true });
    expect(lazy.list()).toEqual([
      expect.objectContaining({ moduleId: "m", key: "board", version: 0, bytes: 7, persist: true }),
    ]);
    chunk.release();
    await settle();
    expect(lazy.list()).toEqual([{ moduleId: "m", key: "k" }]);
  });

  it("disposed before the chunk arrived: the chunk's registry is disposed at once", async () => {
    const chunk = fakeChunk();
    const lazy = new LazySharedStates(deps(), chunk.load);
    lazy.get("m", "board", { initial: 0 });
    lazy.dispose();
    chunk.release();
    await settle();
    expect(chunk.calls).toEqual(["dispose"]);
    expect(lazy.loaded).toBe(false);
  });

  it("a chunk that fails to load is logged, not thrown at the author", async () => {
    const d = deps();
    const lazy = new LazySharedStates(d, async () => {
      throw new Error("404");
    });
    const board = lazy.get("m", "board", { initial: 0 });
    await settle();
    expect(d.core.log.error).toHaveBeenCalledWith("shared state could not load", expect.any(Error));
    await expect(board.update(() => {})).rejects.toThrow("404");
  });
});
