/** What this client answered, per requester: bounded, the oldest forgotten first. */
import { describe, expect, it } from "vitest";
import {
  ANSWER_BYTES_PER_USER,
  ANSWER_BYTES_TOTAL,
  ANSWER_LIFETIME,
  ANSWER_LIFETIME_MAX,
  ANSWERS_PER_USER,
  Answers,
  LONG_ANSWER_BYTES_PER_USER,
  LONG_ANSWER_BYTES_TOTAL,
  parseRequestId,
} from "../../../src/services/answers";

/** Answers over a clock the test moves; `res(payload, bytes)` is a reply of that size on the wire. */
function answers() {
  const clock = { now: 1_000_000 };
  return { a: new Answers(() => clock.now), clock };
}
const res = (payload: unknown, bytes = 100) => ({ kind: "res" as const, payload, bytes });

describe("Answers", () => {
  it("remembers a running request, then its answer; each requester and each session apart", () => {
    const { a } = answers();
    expect(a.get("p1", "s", 1)).toBeUndefined();
    const answer = a.running("p1", "s", 1);
    expect(a.get("p1", "s", 1)).toMatchObject({ kind: null, payload: undefined });
    a.answered("p1", answer, res(42));
    expect(a.get("p1", "s", 1)).toMatchObject({ kind: "res", payload: 42 });
    expect(a.get("p2", "s", 1)).toBeUndefined();
    expect(a.get("p1", "t", 1)).toBeUndefined();
    expect(a.get("p1", "s", 2)).toBeUndefined();
  });

  it(`keeps ${ANSWERS_PER_USER} per requester over all its sessions, forgetting the oldest first, over many rounds`, () => {
    const { a } = answers();
    a.running("p2", "s", 1);
    const total = ANSWERS_PER_USER * 3 + 17;
    // Two sessions of one user (two tabs) take turns.
    const place = (i: number) => [i % 2 === 0 ? "even" : "odd", i + 1] as const;
    for (let i = 0; i < total; i++) a.answered("p1", a.running("p1", ...place(i)), res(i));
    const kept = (i: number) => a.get("p1", ...place(i)) !== undefined;
    expect(kept(total - ANSWERS_PER_USER - 1)).toBe(false);
    expect(kept(total - ANSWERS_PER_USER)).toBe(true);
    expect(kept(total - 1)).toBe(true);
    let count = 0;
    for (let i = 0; i < total; i++) if (kept(i)) count++;
    expect(count).toBe(ANSWERS_PER_USER);
    // One requester's flood never pushes out another's.
    expect(a.get("p2", "s", 1)).toMatchObject({ kind: null, payload: undefined });
    // What was pushed out is no longer charged.
    expect(a.bytesHeld).toBe(ANSWERS_PER_USER * 100);
  });

  it("a request recorded again keeps its one place in the order", () => {
    const { a } = answers();
    a.running("p1", "s", 1);
    a.running("p1", "s", 1);
    for (let i = 2; i <= ANSWERS_PER_USER; i++) a.running("p1", "s", i);
    expect(a.get("p1", "s", 1)).toBeDefined();
    a.running("p1", "s", ANSWERS_PER_USER + 1);
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.get("p1", "s", 2)).toBeDefined();
  });

  it("a full requester's next answer is kept even when the oldest forgotten was the only one of its session", () => {
    const { a } = answers();
    a.running("p1", "tab", 1);
    for (let q = 1; q < ANSWERS_PER_USER; q++) a.running("p1", "other tab", q);
    a.running("p1", "tab", 2);
    expect(a.get("p1", "tab", 1)).toBeUndefined();
    expect(a.get("p1", "tab", 2)).toMatchObject({ kind: null });
  });

  it(`forgets an answer ${ANSWER_LIFETIME} ms after it was recorded, every requester's, and lets go of its bytes`, () => {
    const { a, clock } = answers();
    a.answered("p1", a.running("p1", "s", 1), res("one", 1000));
    a.answered("p2", a.running("p2", "s", 1), res("other", 200));
    clock.now += 60_000;
    a.answered("p1", a.running("p1", "s", 2), res("two", 500));
    expect(a.bytesHeld).toBe(1700);
    clock.now += ANSWER_LIFETIME - 60_000 - 1;
    expect(a.get("p1", "s", 1)).toMatchObject({ kind: "res", payload: "one" });
    clock.now += 1;
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.get("p1", "s", 2)).toMatchObject({ kind: "res", payload: "two" });
    // Asking about p1 let go of p2's answer as well.
    expect(a.bytesHeld).toBe(500);
    expect(a.get("p2", "s", 1)).toBeUndefined();
    clock.now += 60_000;
    expect(a.get("p1", "s", 2)).toBeUndefined();
    expect(a.bytesHeld).toBe(0);
  });

  it("a look-up walks the requesters' lists only once an answer may have expired", () => {
    const { a, clock } = answers();
    for (let u = 0; u < 500; u++) a.answered(`p${u}`, a.running(`p${u}`, "s", 1), res(u, 10));
    const iterate = Map.prototype[Symbol.iterator];
    let walks = 0;
    Map.prototype[Symbol.iterator] = function (this: Map<unknown, unknown>) {
      walks++;
      return iterate.call(this);
    };
    try {
      for (let i = 0; i < 1000; i++) a.get("p1", "s", 1);
      expect(walks).toBe(0);
      clock.now += ANSWER_LIFETIME;
      expect(a.get("p1", "s", 1)).toBeUndefined();
      expect(walks).toBe(1);
      expect(a.bytesHeld).toBe(0);
    } finally {
      Map.prototype[Symbol.iterator] = iterate;
    }
  });

  it("keeps an answer at least as long as its requester said it may wait, from ANSWER_LIFETIME up to ANSWER_LIFETIME_MAX", () => {
    const { a, clock } = answers();
    a.answered("p1", a.running("p1", "s", 1, 10 * 60_000), res("long", 10));
    a.answered("p1", a.running("p1", "s", 2), res("usual", 10));
    a.answered("p1", a.running("p1", "s", 3, 1000), res("short", 10));
    a.answered("p1", a.running("p1", "s", 4, Number.MAX_SAFE_INTEGER), res("endless", 10));
    clock.now += ANSWER_LIFETIME;
    expect([1, 2, 3, 4].map((q) => a.get("p1", "s", q)?.payload)).toEqual([
      "long",
      undefined,
      undefined,
      "endless",
    ]);
    clock.now += 10 * 60_000 - ANSWER_LIFETIME - 1;
    expect(a.get("p1", "s", 1)?.payload).toBe("long");
    // Looked at again once per ANSWER_LIFETIME: gone within one more of them.
    clock.now += ANSWER_LIFETIME + 1;
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.get("p1", "s", 4)?.payload).toBe("endless");
    clock.now = 1_000_000 + ANSWER_LIFETIME_MAX - 1;
    expect(a.get("p1", "s", 4)?.payload).toBe("endless");
    clock.now += ANSWER_LIFETIME + 1;
    expect(a.get("p1", "s", 4)).toBeUndefined();
    expect(a.bytesHeld).toBe(0);
  });

  it("a request still running outlives the window (a repeat of it stays ignored); its answer then expires", () => {
    const { a, clock } = answers();
    const running = a.running("p1", "s", 1);
    clock.now += ANSWER_LIFETIME * 3;
    expect(a.get("p1", "s", 1)).toBe(running);
    a.answered("p1", running, res(7, 100));
    expect(a.bytesHeld).toBe(100);
    clock.now += ANSWER_LIFETIME - 1;
    expect(a.get("p1", "s", 1)).toMatchObject({ kind: "res", payload: 7 });
    clock.now += 1;
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.bytesHeld).toBe(0);
  });

  it("charges each requester's kept answers to its budget before keeping; past it, keeps the answer without payload", () => {
    const { a } = answers();
    const quarter = ANSWER_BYTES_PER_USER / 4;
    for (let q = 1; q <= 4; q++) a.answered("p1", a.running("p1", "s", q), res(`answer ${q}`, quarter));
    expect(a.bytesHeld).toBe(ANSWER_BYTES_PER_USER);
    // One byte more would pass the budget: still known (a repeat is not run again), its payload not kept.
    a.answered("p1", a.running("p1", "s", 5), res("answer 5", 1));
    expect(a.get("p1", "s", 5)).toMatchObject({ kind: "res", payload: undefined, bytes: 0 });
    expect(a.bytesHeld).toBe(ANSWER_BYTES_PER_USER);
    // Another requester has a budget of its own.
    a.answered("p2", a.running("p2", "s", 1), res("theirs", quarter));
    expect(a.get("p2", "s", 1)).toMatchObject({ payload: "theirs", bytes: quarter });
    expect(a.bytesHeld).toBe(ANSWER_BYTES_PER_USER + quarter);
  });

  it("charges every requester's kept answers to one total budget", () => {
    const { a, clock } = answers();
    const users = ANSWER_BYTES_TOTAL / ANSWER_BYTES_PER_USER;
    expect(Number.isInteger(users) && users > 1).toBe(true);
    for (let u = 1; u <= users; u++)
      a.answered(`p${u}`, a.running(`p${u}`, "s", 1), res(u, ANSWER_BYTES_PER_USER));
    expect(a.bytesHeld).toBe(ANSWER_BYTES_TOTAL);
    a.answered("late", a.running("late", "s", 1), res("late", 1));
    expect(a.get("late", "s", 1)).toMatchObject({ kind: "res", payload: undefined, bytes: 0 });
    expect(a.bytesHeld).toBe(ANSWER_BYTES_TOTAL);
    // Once the old ones expire, the room is there again.
    clock.now += ANSWER_LIFETIME;
    a.answered("late", a.running("late", "s", 2), res("later", 1));
    expect(a.get("late", "s", 2)).toMatchObject({ payload: "later", bytes: 1 });
    expect(a.bytesHeld).toBe(1);
  });

  it("answers kept for long waits draw on budgets of their own, per requester, within the requester's budget", () => {
    const { a } = answers();
    const quarter = LONG_ANSWER_BYTES_PER_USER / 4;
    for (let q = 1; q <= 4; q++)
      a.answered("p1", a.running("p1", "s", q, ANSWER_LIFETIME_MAX), res(`long ${q}`, quarter));
    expect(a.longBytesHeld).toBe(LONG_ANSWER_BYTES_PER_USER);
    // One byte more of long answers would pass p1's long budget: known, its payload not kept.
    a.answered("p1", a.running("p1", "s", 5, ANSWER_LIFETIME_MAX), res("long 5", 1));
    expect(a.get("p1", "s", 5)).toMatchObject({ kind: "res", payload: undefined, bytes: 0 });
    // Its ordinary answers still have the rest of its budget.
    const rest = ANSWER_BYTES_PER_USER - LONG_ANSWER_BYTES_PER_USER;
    a.answered("p1", a.running("p1", "s", 6), res("ordinary", rest));
    expect(a.get("p1", "s", 6)).toMatchObject({ payload: "ordinary", bytes: rest });
    expect(a.bytesHeld).toBe(ANSWER_BYTES_PER_USER);
    expect(a.longBytesHeld).toBe(LONG_ANSWER_BYTES_PER_USER);
    // A wait of ANSWER_LIFETIME or less is an ordinary answer.
    a.answered("p2", a.running("p2", "s", 1, ANSWER_LIFETIME), res("short", quarter));
    expect(a.longBytesHeld).toBe(LONG_ANSWER_BYTES_PER_USER);
  });

  it("long waits over all requesters take at most their total: the rest stays for everyone else's repeats", () => {
    const { a, clock } = answers();
    const users = LONG_ANSWER_BYTES_TOTAL / LONG_ANSWER_BYTES_PER_USER;
    expect(Number.isInteger(users) && users > 1).toBe(true);
    for (let u = 1; u <= users; u++)
      a.answered(
        `p${u}`,
        a.running(`p${u}`, "s", 1, ANSWER_LIFETIME_MAX),
        res(u, LONG_ANSWER_BYTES_PER_USER),
      );
    a.answered("late", a.running("late", "s", 1, ANSWER_LIFETIME_MAX), res("late", 1));
    expect(a.get("late", "s", 1)).toMatchObject({ payload: undefined, bytes: 0 });
    expect(a.longBytesHeld).toBe(LONG_ANSWER_BYTES_TOTAL);
    // Everything else in the total budget is there for ordinary answers, whoever holds the long ones.
    const others = ANSWER_BYTES_TOTAL - LONG_ANSWER_BYTES_TOTAL;
    for (let u = 1; u * ANSWER_BYTES_PER_USER <= others; u++)
      a.answered(`o${u}`, a.running(`o${u}`, "s", 1), res(u, ANSWER_BYTES_PER_USER));
    expect(a.bytesHeld).toBe(ANSWER_BYTES_TOTAL);
    // Ordinary answers go after ANSWER_LIFETIME; the long ones stay, and so does their charge.
    clock.now += ANSWER_LIFETIME;
    expect(a.get("o1", "s", 1)).toBeUndefined();
    expect(a.bytesHeld).toBe(LONG_ANSWER_BYTES_TOTAL);
    expect(a.get("p1", "s", 1)).toMatchObject({ payload: 1 });
    // When their requesters can no longer be waiting, the long ones go and give their room back.
    clock.now += ANSWER_LIFETIME_MAX;
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.longBytesHeld).toBe(0);
    a.answered("late", a.running("late", "s", 2, ANSWER_LIFETIME_MAX), res("later", 5));
    expect(a.get("late", "s", 2)).toMatchObject({ payload: "later", bytes: 5 });
    expect(a.longBytesHeld).toBe(5);
  });

  it("an answer to a request pushed out while it ran is not kept, nor charged", () => {
    const { a } = answers();
    const first = a.running("p1", "s", 1);
    for (let q = 2; q <= ANSWERS_PER_USER + 1; q++) a.running("p1", "s", q);
    a.answered("p1", first, res("late", 100));
    expect(a.get("p1", "s", 1)).toBeUndefined();
    expect(a.bytesHeld).toBe(0);
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
      // No frame carries a session longer than 64 characters, so no request id does either.
      `${"中".repeat(65)}:1`,
    ])
      expect(parseRequestId(id), id).toBeNull();
    expect(parseRequestId(`${"s".repeat(64)}:1`)).toEqual({ session: "s".repeat(64), q: 1 });
  });
});
