/** What this client answered, per requester: bounded, the oldest forgotten first. */
import { describe, expect, it } from "vitest";
import { ANSWERS_PER_USER, Answers, answered, parseRequestId } from "../../../src/services/answers";

describe("Answers", () => {
  it("remembers a running request, then its answer; each requester and each session apart", () => {
    const a = new Answers();
    expect(a.get("p1", "s", 1)).toBeUndefined();
    const answer = a.running("p1", "s", 1);
    expect(a.get("p1", "s", 1)).toEqual({ kind: null, payload: undefined });
    answered(answer, "res", 42);
    expect(a.get("p1", "s", 1)).toEqual({ kind: "res", payload: 42 });
    expect(a.get("p2", "s", 1)).toBeUndefined();
    expect(a.get("p1", "t", 1)).toBeUndefined();
    expect(a.get("p1", "s", 2)).toBeUndefined();
  });

  it(`keeps ${ANSWERS_PER_USER} per requester over all its sessions, forgetting the oldest first, over many rounds`, () => {
    const a = new Answers();
    a.running("p2", "s", 1);
    const total = ANSWERS_PER_USER * 3 + 17;
    // Two sessions of one user (two tabs) take turns.
    const place = (i: number) => [i % 2 === 0 ? "even" : "odd", i + 1] as const;
    for (let i = 0; i < total; i++) answered(a.running("p1", ...place(i)), "res", i);
    const kept = (i: number) => a.get("p1", ...place(i)) !== undefined;
    expect(kept(total - ANSWERS_PER_USER - 1)).toBe(false);
    expect(kept(total - ANSWERS_PER_USER)).toBe(true);
    expect(kept(total - 1)).toBe(true);
    let count = 0;
    for (let i = 0; i < total; i++) if (kept(i)) count++;
    expect(count).toBe(ANSWERS_PER_USER);
    // One requester's flood never pushes out another's.
    expect(a.get("p2", "s", 1)).toEqual({ kind: null, payload: undefined });
  });

  it("a request recorded again keeps its one place in the order", () => {
    const a = new Answers();
    a.running("p1", "s", 1);
    a.running("p1", "s", 1);
    for (let i = 2; i <= ANSWERS_PER_USER; i++) a.running("p1", "s", i);
    expect(a.get("p1", "s", 1)).toBeDefined();
    a.running("p1", "s", ANSWERS_PER_USER + 1);
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.get("p1", "s", 2)).toBeDefined();
  });
});

describe("parseRequestId", () => {
  it("reads a request id back into its session and sequence number", () => {
    expect(parseRequestId("k3J9dQe2:17")).toEqual({ session: "k3J9dQe2", q: 17 });
    expect(parseRequestId("a:b:3")).toEqual({ session: "a:b", q: 3 });
  });

  it("refuses what no client writes as an id", () => {
    for (const id of [
      "",
      "s",
      ":3",
      "s:",
      "s:0",
      "s:-1",
      "s:05",
      "s:1.5",
      "s:1e3",
      "s:x",
      "s: 3",
      "s:9007199254740993",
    ])
      expect(parseRequestId(id), id).toBeNull();
  });
});
