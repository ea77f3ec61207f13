/** State per (user, session): bounded per user, least recently used forgotten first, users kept apart. */
import { describe, expect, it } from "vitest";
import { PerUserSessions } from "../../../src/pipeline/per-user";

describe("PerUserSessions", () => {
  it("makes a session's state once and hands back the same state after", () => {
    let made = 0;
    const s = new PerUserSessions(4, () => ({ n: ++made }));
    const a = s.get("p1", "a");
    expect(s.get("p1", "a")).toBe(a);
    expect(s.get("p1", "b")).not.toBe(a);
    expect(made).toBe(2);
    expect(s.size).toBe(2);
  });

  it("forgets the least recently used session, counting a repeat of the last one as a use", () => {
    const s = new PerUserSessions(2, () => ({}));
    const a = s.get("p1", "a");
    s.get("p1", "b");
    s.get("p1", "b");
    // "a" is used again, so "b" is now the oldest.
    expect(s.get("p1", "a")).toBe(a);
    s.get("p1", "a");
    s.get("p1", "c");
    expect(s.peek("p1", "b")).toBeUndefined();
    expect(s.peek("p1", "a")).toBe(a);
    expect(s.peek("p1", "c")).toBeDefined();
    expect(s.size).toBe(2);
  });

  it("after a session is forgotten, asking for it again makes a fresh state", () => {
    const s = new PerUserSessions(1, () => ({}));
    const a = s.get("p1", "a");
    s.get("p1", "b");
    const again = s.get("p1", "a");
    expect(again).not.toBe(a);
    expect(s.size).toBe(1);
  });

  it("peek neither makes a state nor changes which session is oldest", () => {
    const s = new PerUserSessions(2, () => ({}));
    s.get("p1", "a");
    s.get("p1", "b");
    expect(s.peek("p1", "zzz")).toBeUndefined();
    s.peek("p1", "a");
    s.get("p1", "c");
    expect(s.peek("p1", "a")).toBeUndefined();
    expect(s.peek("p1", "b")).toBeDefined();
  });

  it("one user's invented sessions never push out another user's", () => {
    const s = new PerUserSessions(3, () => ({}));
    const honest = s.get("gm", "real");
    for (let i = 0; i < 100; i++) s.get("mallory", `fake-${i}`);
    expect(s.peek("gm", "real")).toBe(honest);
    expect([...s.entries()].filter(([user]) => user === "mallory")).toHaveLength(3);
    expect(s.size).toBe(4);
    s.clear();
    expect(s.size).toBe(0);
    expect([...s.entries()]).toEqual([]);
  });
});
