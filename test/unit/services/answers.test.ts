/** What this client answered, per requester: bounded, the oldest forgotten first. */
import { describe, expect, it } from "vitest";
import { ANSWERS_PER_USER, Answers, answered } from "../../../src/services/answers";

describe("Answers", () => {
  it("remembers a running request, then its answer; each requester apart", () => {
    const a = new Answers();
    expect(a.get("p1", "s:1")).toBeUndefined();
    const answer = a.running("p1", "s:1");
    expect(a.get("p1", "s:1")).toEqual({ kind: null, payload: undefined });
    answered(answer, "res", 42);
    expect(a.get("p1", "s:1")).toEqual({ kind: "res", payload: 42 });
    expect(a.get("p2", "s:1")).toBeUndefined();
  });

  it(`keeps ${ANSWERS_PER_USER} per requester, forgetting the oldest first, over many rounds`, () => {
    const a = new Answers();
    a.running("p2", "s:0");
    const total = ANSWERS_PER_USER * 3 + 17;
    for (let i = 0; i < total; i++) {
      answered(a.running("p1", `s:${i}`), "res", i);
    }
    const kept = (i: number) => a.get("p1", `s:${i}`) !== undefined;
    expect(kept(total - ANSWERS_PER_USER - 1)).toBe(false);
    expect(kept(total - ANSWERS_PER_USER)).toBe(true);
    expect(kept(total - 1)).toBe(true);
    let count = 0;
    for (let i = 0; i < total; i++) if (kept(i)) count++;
    expect(count).toBe(ANSWERS_PER_USER);
    // One requester's flood never pushes out another's.
    expect(a.get("p2", "s:0")).toEqual({ kind: null, payload: undefined });
  });
});
