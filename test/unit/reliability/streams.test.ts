import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_INBOX_LIMITS, type ReceiveVerdict, ReliableInbox } from "../../../src/reliability/inbox";
import {
  isAckPayload,
  isStreamTags,
  ReliableStreams,
  type StreamTag,
} from "../../../src/reliability/streams";

const alice = { userId: "alice", session: "sa1" };
const bob = { userId: "bob", session: "sb1" };

describe("ReliableStreams: numbering", () => {
  it("numbers each recipient's stream from 1", () => {
    const s = new ReliableStreams<string>();
    expect(s.number("m1", [alice, bob])).toEqual({ alice: ["sa1", 1, 1], bob: ["sb1", 1, 1] });
    expect(s.number("m2", [alice, bob])).toEqual({ alice: ["sa1", 2, 1], bob: ["sb1", 2, 1] });
  });

  it("keeps recipients' streams independent", () => {
    const s = new ReliableStreams<string>();
    s.number("m1", [alice]);
    s.number("m2", [alice]);
    expect(s.number("m3", [bob])).toEqual({ bob: ["sb1", 1, 1] });
    expect(s.number("m4", [alice, bob])).toEqual({ alice: ["sa1", 3, 1], bob: ["sb1", 2, 1] });
  });

  it("each tag carries the floor: the lowest number still pending for that recipient", () => {
    const s = new ReliableStreams<string>();
    s.number("m1", [alice]);
    const m2 = s.number("m2", [alice]);
    s.ack("alice", "sa1", [1]);
    expect(s.number("m3", [alice])).toEqual({ alice: ["sa1", 3, 2] });
    s.drop("m2", m2);
    expect(s.retag("alice", ["sa1", 3, 2])).toEqual(["sa1", 3, 3]);
  });

  it("gives an empty tag set for no recipients", () => {
    expect(new ReliableStreams<string>().number("m", [])).toEqual({});
  });
});

describe("ReliableStreams: acks", () => {
  it("returns the waiting messages once; a second ack of the same numbers returns nothing", () => {
    const s = new ReliableStreams<string>();
    s.number("m1", [alice]);
    s.number("m2", [alice]);
    s.number("m3", [alice]);
    expect(s.ack("alice", "sa1", [1, 3])).toEqual(["m1", "m3"]);
    expect(s.ack("alice", "sa1", [1, 3])).toEqual([]);
    expect(s.ack("alice", "sa1", [2, 3, 99])).toEqual(["m2"]);
  });

  it("an ack from one recipient does not settle the other's copy", () => {
    const s = new ReliableStreams<string>();
    s.number("m1", [alice, bob]);
    expect(s.ack("alice", "sa1", [1])).toEqual(["m1"]);
    expect(s.ack("bob", "sb1", [1])).toEqual(["m1"]);
    expect(s.ack("alice", "sa1", [1])).toEqual([]);
  });

  it("ignores acks for a different session and from unknown users", () => {
    const s = new ReliableStreams<string>();
    s.number("m1", [alice]);
    expect(s.ack("alice", "sa-old", [1])).toEqual([]);
    expect(s.ack("carol", "sa1", [1])).toEqual([]);
    expect(s.ack("alice", "sa1", [1])).toEqual(["m1"]);
  });

  it("drop forgets a message for every recipient", () => {
    const s = new ReliableStreams<string>();
    const m1 = s.number("m1", [alice, bob]);
    s.number("m2", [alice]);
    s.drop("m1", m1);
    expect(s.ack("alice", "sa1", [1, 2])).toEqual(["m2"]);
    expect(s.ack("bob", "sb1", [1])).toEqual([]);
  });

  it("drop finds a message by its numbers, and still forgets one whose tag was not renewed after a renumbering", () => {
    const s = new ReliableStreams<string>();
    const tags = ["m1", "m2", "m3"].map((m) => s.number(m, [alice, bob]));
    expect(s.ack("bob", "sb1", [1])).toEqual(["m1"]);
    // bob reloads: m2 and m3 become his 1 and 2, but m2's tags still say 2 (now m3's number).
    s.renumber("bob", "sb2");
    s.drop("m2", tags[1] ?? {});
    expect(s.ack("alice", "sa1", [1, 2, 3])).toEqual(["m1", "m3"]);
    expect(s.ack("bob", "sb2", [1, 2])).toEqual(["m3"]);
  });
});

describe("ReliableStreams: renumber after a recipient reload", () => {
  it("renumbers the unacked messages in order from 1 for the new session", () => {
    const s = new ReliableStreams<string>();
    for (const m of ["m1", "m2", "m3", "m4"]) s.number(m, [alice, bob]);
    s.ack("alice", "sa1", [2]);
    const tags = s.renumber("alice", "sa2");
    expect([...tags]).toEqual([
      ["m1", ["sa2", 1, 1]],
      ["m3", ["sa2", 2, 1]],
      ["m4", ["sa2", 3, 1]],
    ]);
    // the next message continues the new stream
    expect(s.number("m5", [{ userId: "alice", session: "sa2" }])).toEqual({ alice: ["sa2", 4, 1] });
  });

  it("later acks under the new session work; acks under the old one are ignored", () => {
    const s = new ReliableStreams<string>();
    for (const m of ["m1", "m2", "m3"]) s.number(m, [alice]);
    s.renumber("alice", "sa2");
    expect(s.ack("alice", "sa1", [1, 2, 3])).toEqual([]);
    expect(s.ack("alice", "sa2", [2])).toEqual(["m2"]);
    expect(s.ack("alice", "sa2", [1, 3])).toEqual(["m1", "m3"]);
  });

  it("does not touch other recipients' streams", () => {
    const s = new ReliableStreams<string>();
    s.number("m1", [alice, bob]);
    s.number("m2", [alice, bob]);
    s.renumber("alice", "sa2");
    expect(s.number("m3", [bob])).toEqual({ bob: ["sb1", 3, 1] });
    expect(s.ack("bob", "sb1", [1, 2])).toEqual(["m1", "m2"]);
  });

  it("for a recipient with nothing pending, just restarts the stream", () => {
    const s = new ReliableStreams<string>();
    expect(s.renumber("alice", "sa2").size).toBe(0);
    expect(s.number("m1", [{ userId: "alice", session: "sa2" }])).toEqual({ alice: ["sa2", 1, 1] });
  });
});

describe("ReliableInbox", () => {
  function collect(maxBuffered?: number) {
    const inbox = maxBuffered === undefined ? new ReliableInbox() : new ReliableInbox({ maxBuffered });
    const delivered: number[] = [];
    const receive = (n: number, session = "me", key = "alice/sa1"): ReceiveVerdict => {
      const [user = "", stream = ""] = key.split("/");
      return inbox.receive(user, stream, "me", [session, n], () => delivered.push(n));
    };
    return { inbox, delivered, receive };
  }

  it("delivers in order at once", () => {
    const t = collect();
    expect(t.receive(1)).toBe("deliver");
    expect(t.receive(2)).toBe("deliver");
    expect(t.delivered).toEqual([1, 2]);
  });

  it("buffers out-of-order messages and delivers them in order when the gap fills", () => {
    const t = collect();
    expect(t.receive(3)).toBe("buffered");
    expect(t.receive(2)).toBe("buffered");
    expect(t.receive(5)).toBe("buffered");
    expect(t.delivered).toEqual([]);
    expect(t.receive(1)).toBe("deliver");
    expect(t.delivered).toEqual([1, 2, 3]);
    expect(t.receive(4)).toBe("deliver");
    expect(t.delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it("reports duplicates (already delivered) and repeats of a buffered one (waiting) without delivering", () => {
    const t = collect();
    t.receive(1);
    t.receive(3);
    expect(t.receive(1)).toBe("duplicate");
    expect(t.receive(3)).toBe("waiting");
    expect(t.delivered).toEqual([1]);
    t.receive(2);
    expect(t.delivered).toEqual([1, 2, 3]);
    expect(t.receive(3)).toBe("duplicate");
    expect(t.delivered).toEqual([1, 2, 3]);
  });

  it("reports a tag for another session of mine as stale", () => {
    const t = collect();
    expect(t.receive(1, "my-previous-session")).toBe("stale");
    expect(t.delivered).toEqual([]);
    expect(t.receive(1)).toBe("deliver");
  });

  it("refuses to buffer beyond its limit, and recovers once the gap fills", () => {
    const t = collect(2);
    expect(t.receive(3)).toBe("buffered");
    expect(t.receive(4)).toBe("buffered");
    expect(t.receive(5)).toBe("overflow");
    expect(t.receive(1)).toBe("deliver");
    expect(t.receive(2)).toBe("deliver");
    expect(t.delivered).toEqual([1, 2, 3, 4]);
    expect(t.receive(5)).toBe("deliver");
    expect(t.delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps streams (sender sessions) independent", () => {
    const t = collect();
    t.receive(1, "me", "alice/sa1");
    expect(t.receive(1, "me", "alice/sa2")).toBe("deliver");
    expect(t.receive(1, "me", "bob/sb1")).toBe("deliver");
    expect(t.receive(2, "me", "bob/sb1")).toBe("deliver");
    expect(t.delivered).toEqual([1, 1, 1, 2]);
  });

  it("property: any order with duplicates of 1..N delivers each exactly once, in order", () => {
    const arrivals = fc
      .integer({ min: 1, max: 60 })
      .chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.shuffledSubarray(
            Array.from({ length: n }, (_, i) => i + 1),
            { minLength: n, maxLength: n },
          ),
          fc.array(fc.integer({ min: 1, max: n }), { maxLength: n }),
          fc.array(fc.nat(), { maxLength: n }),
        ),
      )
      .map(([n, order, dups, positions]) => {
        const list = [...order];
        dups.forEach((d, i) => {
          list.splice((positions[i] ?? 0) % (list.length + 1), 0, d);
        });
        return { n, list, dupCount: dups.length };
      });
    fc.assert(
      fc.property(arrivals, ({ n, list, dupCount }) => {
        const t = collect();
        const verdicts = list.map((k) => t.receive(k));
        expect(t.delivered).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(verdicts.filter((v) => v === "duplicate" || v === "waiting")).toHaveLength(dupCount);
        expect(verdicts.every((v) => ["deliver", "buffered", "duplicate", "waiting"].includes(v))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("isStreamTags", () => {
  it.each([[{}], [{ alice: ["s", 1] }], [{ alice: ["s", 1], bob: ["t", 9_007_199_254_740_991] }]])(
    "accepts %j",
    (value) => {
      expect(isStreamTags(value)).toBe(true);
    },
  );

  it.each([
    [null],
    [undefined],
    ["tags"],
    [42],
    [[]],
    [[["s", 1]]],
    [{ alice: ["s", 0] }],
    [{ alice: ["s", -1] }],
    [{ alice: ["s", 1.5] }],
    [{ alice: ["s", Number.NaN] }],
    [{ alice: ["s", Number.POSITIVE_INFINITY] }],
    [{ alice: ["s", 2 ** 53] }],
    [{ alice: ["s", "1"] }],
    [{ alice: [1, 1] }],
    [{ alice: ["s"] }],
    [{ alice: ["s", 1, 2] }],
    [{ alice: "s1" }],
    [{ alice: { 0: "s", 1: 1, length: 2 } }],
    [{ alice: ["s", 1], bob: null }],
  ])("rejects %j", (value) => {
    expect(isStreamTags(value)).toBe(false);
  });
});

describe("isAckPayload", () => {
  it.each([[["a", "b", []]], [["a", "b", [1, 2, 3]]], [["", "", [0]]]])("accepts %j", (value) => {
    expect(isAckPayload(value)).toBe(true);
  });

  it("accepts 10,000 numbers and rejects 10,001", () => {
    expect(isAckPayload(["a", "b", Array.from({ length: 10_000 }, (_, i) => i + 1)])).toBe(true);
    expect(isAckPayload(["a", "b", Array.from({ length: 10_001 }, (_, i) => i + 1)])).toBe(false);
  });

  it.each([
    [null],
    [{}],
    ["a,b,[1]"],
    [["a", "b"]],
    [["a", "b", [1], 4]],
    [[1, "b", [1]]],
    [["a", 2, [1]]],
    [["a", "b", 1]],
    [["a", "b", ["1"]]],
    [["a", "b", [1, null]]],
    [{ 0: "a", 1: "b", 2: [1], length: 3 }],
  ])("rejects %j", (value) => {
    expect(isAckPayload(value)).toBe(false);
  });
});

describe("ReliableInbox: bounded memory", () => {
  const run = () => {};

  it("keeps at most streamsPerUser sessions per user, forgetting that user's least recently active", () => {
    const inbox = new ReliableInbox({ streamsPerUser: 3 });
    for (const s of ["a", "b", "c"]) expect(inbox.receive("u", s, "me", ["me", 1], run)).toBe("deliver");
    inbox.receive("u", "a", "me", ["me", 2], run); // a is now the most recent
    inbox.receive("u", "d", "me", ["me", 1], run); // b is forgotten
    expect(inbox.streamCount).toBe(3);
    // a still knows it saw 2; b starts over (a reloaded peer's old session is never heard from again).
    expect(inbox.receive("u", "a", "me", ["me", 2], run)).toBe("duplicate");
    expect(inbox.receive("u", "b", "me", ["me", 1], run)).toBe("deliver");
  });

  it("sessions a hostile user invents never push out another user's stream (exactly once holds)", () => {
    const inbox = new ReliableInbox({ streamsPerUser: 4 });
    let ran = 0;
    expect(inbox.receive("gm1", "real", "me", ["me", 1], () => ran++)).toBe("deliver");
    for (let i = 0; i < 1100; i++) inbox.receive("mallory", `invented${i}`, "me", ["me", 1], run);
    expect(inbox.receive("gm1", "real", "me", ["me", 1], () => ran++)).toBe("duplicate");
    expect(ran).toBe(1);
    expect(inbox.streamCount).toBe(5);
  });

  it("what one user may buffer ahead of gaps is bounded in count and bytes over all its sessions", () => {
    const inbox = new ReliableInbox({ maxBuffered: 10, maxBytes: 1000 });
    for (let s = 0; s < 4; s++) {
      for (let n = 2; n < 6; n++) inbox.receive("mallory", `s${s}`, "me", ["me", n], run, 10);
    }
    expect(inbox.usage("mallory")).toEqual({ count: 10, bytes: 100 });
    expect(inbox.receive("mallory", "s0", "me", ["me", 9], run, 10)).toBe("overflow");
    expect(inbox.receive("honest", "s", "me", ["me", 2], run, 900)).toBe("buffered");
    expect(inbox.receive("honest", "s", "me", ["me", 3], run, 200)).toBe("overflow");
  });

  it("what all users buffer is bounded in total (4x a user's bound): past it, every user overflows", () => {
    const inbox = new ReliableInbox();
    const { maxBuffered, maxBytes } = DEFAULT_INBOX_LIMITS;
    const users = ["m1", "m2", "m3", "m4"];
    for (const u of users)
      for (let n = 2; n <= maxBuffered + 1; n++) inbox.receive(u, "s", "me", ["me", n], run, 1);
    expect(inbox.usage()).toEqual({ count: 4 * maxBuffered, bytes: 4 * maxBuffered });
    expect(inbox.receive("honest", "s", "me", ["me", 2], run, 1)).toBe("overflow");
    // Once a stream's gap fills, its buffer runs and frees room for everyone.
    expect(inbox.receive("m1", "s", "me", ["me", 1], run)).toBe("deliver");
    expect(inbox.usage()).toEqual({ count: 3 * maxBuffered, bytes: 3 * maxBuffered });
    expect(inbox.receive("honest", "s", "me", ["me", 2], run, 1)).toBe("buffered");

    const bytes = new ReliableInbox();
    for (const u of users) expect(bytes.receive(u, "s", "me", ["me", 2], run, maxBytes)).toBe("buffered");
    expect(bytes.receive("honest", "s", "me", ["me", 2], run, 1)).toBe("overflow");
    expect(bytes.usage()).toEqual({ count: 4, bytes: 4 * maxBytes });
  });

  it("the total stays exactly the sum of every user's usage through delivery, aging, floors and eviction", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            user: fc.constantFrom("a", "b", "c"),
            session: fc.constantFrom("s1", "s2", "s3"),
            n: fc.integer({ min: 1, max: 40 }),
            floor: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
            bytes: fc.nat({ max: 300 }),
            dt: fc.nat({ max: 400 }),
          }),
          { maxLength: 300 },
        ),
        (ops) => {
          const limits = { maxBuffered: 20, maxBytes: 2000, maxBufferedTotal: 30, maxBytesTotal: 3000 };
          const inbox = new ReliableInbox({ ...limits, maxAgeMs: 2000, streamsPerUser: 2 });
          let now = 0;
          for (const op of ops) {
            now += op.dt;
            const tag: StreamTag = op.floor === undefined ? ["me", op.n] : ["me", op.n, op.floor];
            inbox.receive(op.user, op.session, "me", tag, run, op.bytes, now);
            const each = ["a", "b", "c"].map((u) => inbox.usage(u));
            const total = inbox.usage();
            expect(total.count).toBe(each.reduce((sum, u) => sum + u.count, 0));
            expect(total.bytes).toBe(each.reduce((sum, u) => sum + u.bytes, 0));
            expect(total.count).toBeLessThanOrEqual(limits.maxBufferedTotal);
            expect(total.bytes).toBeLessThanOrEqual(limits.maxBytesTotal);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a buffered message older than maxAgeMs is let go (unacked, so the sender sends it again)", () => {
    const letGo: [number, string][] = [];
    const inbox = new ReliableInbox({ maxAgeMs: 1000 }, (n, why) => letGo.push([n, why]));
    const ran: number[] = [];
    expect(inbox.receive("u", "s", "me", ["me", 2], () => ran.push(2), 10, 0)).toBe("buffered");
    expect(inbox.receive("u", "s", "me", ["me", 3], () => ran.push(3), 10, 1500)).toBe("buffered");
    expect(letGo).toEqual([[1, "aged"]]);
    expect(inbox.usage("u")).toEqual({ count: 1, bytes: 10 });
    // The retransmitted 2 arrives with 1: everything runs once, in order.
    expect(inbox.receive("u", "s", "me", ["me", 2], () => ran.push(2), 10, 1600)).toBe("buffered");
    expect(inbox.receive("u", "s", "me", ["me", 1], () => ran.push(1), 10, 1600)).toBe("deliver");
    expect(ran).toEqual([1, 2, 3]);
    expect(inbox.usage("u")).toEqual({ count: 0, bytes: 0 });
  });

  it("ages out only the oldest buffered messages, in arrival order, and says how many", () => {
    const letGo: [number, string][] = [];
    const inbox = new ReliableInbox({ maxAgeMs: 1000 }, (n, why) => letGo.push([n, why]));
    for (let n = 2; n <= 6; n++) inbox.receive("u", "s", "me", ["me", n], run, 10, n * 100);
    // At 1,450 the messages that arrived at 200, 300 and 400 are too old; 500 and 600 stay.
    expect(inbox.receive("u", "s", "me", ["me", 7], run, 10, 1450)).toBe("buffered");
    expect(letGo).toEqual([[3, "aged"]]);
    expect(inbox.usage("u")).toEqual({ count: 3, bytes: 30 });
  });

  it("messages buffered in a stream pushed out by a newer session are counted as let go", () => {
    const letGo: [number, string][] = [];
    const inbox = new ReliableInbox({ streamsPerUser: 2 }, (n, why) => letGo.push([n, why]));
    for (let n = 2; n <= 4; n++) inbox.receive("u", "old", "me", ["me", n], run, 10);
    inbox.receive("u", "b", "me", ["me", 1], run);
    expect(letGo).toEqual([]);
    // A third session pushes out "old", and its three buffered messages with it.
    inbox.receive("u", "c", "me", ["me", 1], run);
    expect(letGo).toEqual([[3, "evicted"]]);
    expect(inbox.usage("u")).toEqual({ count: 0, bytes: 0 });
  });

  it("a floor that rises by one with every envelope runs what lies below it, in order, whatever else waits", () => {
    const inbox = new ReliableInbox();
    const ran: number[] = [];
    // 500 messages far ahead wait in the buffer; 1 never arrives.
    for (let n = 1000; n < 1500; n++) inbox.receive("u", "s", "me", ["me", n], () => ran.push(n), 1);
    inbox.receive("u", "s", "me", ["me", 3], () => ran.push(3), 1);
    inbox.receive("u", "s", "me", ["me", 5], () => ran.push(5), 1);
    for (let floor = 2; floor <= 6; floor++) inbox.receive("u", "s", "me", ["me", 999, floor], run, 1);
    expect(ran).toEqual([3, 5]);
    expect(inbox.usage("u")).toEqual({ count: 501, bytes: 501 });
  });

  it("property: random tags from several invented sessions of one user stay within the documented bounds", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            session: fc.constantFrom("a", "b", "c", "d", "e", "f", "g"),
            n: fc.integer({ min: 1, max: 5000 }),
            bytes: fc.nat({ max: 5000 }),
            dt: fc.nat({ max: 200 }),
          }),
          { maxLength: 400 },
        ),
        (tags) => {
          const limits = { maxBuffered: 50, maxBytes: 20_000, maxAgeMs: 5000, streamsPerUser: 4 };
          const inbox = new ReliableInbox(limits);
          let now = 0;
          for (const t of tags) {
            now += t.dt;
            inbox.receive("mallory", t.session, "me", ["me", t.n], run, t.bytes, now);
            const used = inbox.usage("mallory");
            expect(used.count).toBeLessThanOrEqual(limits.maxBuffered);
            expect(used.bytes).toBeLessThanOrEqual(limits.maxBytes);
            expect(inbox.streamCount).toBeLessThanOrEqual(limits.streamsPerUser);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
