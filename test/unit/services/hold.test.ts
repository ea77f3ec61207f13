/** The receive hold: arrival order kept while a part loads, bounded per sender and in all, failures counted. */
import { describe, expect, it } from "vitest";
import { Counters } from "../../../src/metrics/counters";
import { HOLD_LIMITS, ReceiveHold } from "../../../src/services/hold";

interface Msg {
  id: string;
  needs?: boolean;
}

function hold() {
  const counters = new Counters();
  const ran: string[] = [];
  const reported: unknown[] = [];
  let resolve: () => void = () => {};
  let reject: (e: unknown) => void = () => {};
  let loaded = false;
  let loads = 0;
  let loading: Promise<void> | null = null;
  const h = new ReceiveHold<Msg>({
    counters,
    waitFor: (m) => {
      if (!m.needs || loaded) return null;
      if (!loading) {
        loads++;
        loading = new Promise<void>((res, rej) => {
          resolve = () => {
            loaded = true;
            res();
          };
          reject = (e) => {
            loading = null;
            rej(e);
          };
        });
      }
      return loading;
    },
    run: (m) => void ran.push(m.id),
    report: (e) => void reported.push(e),
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    h,
    counters,
    ran,
    reported,
    load: () => resolve(),
    fail: (e: unknown) => reject(e),
    loads: () => loads,
    settle,
  };
}

describe("ReceiveHold", () => {
  it("runs at once while nothing loads", () => {
    const t = hold();
    t.h.accept({ id: "a" }, "p1", 10);
    t.h.accept({ id: "b" }, "p1", 10);
    expect(t.ran).toEqual(["a", "b"]);
    expect(t.h.size).toBe(0);
  });

  it("an envelope that needs a loading part holds every later one; all run in arrival order once it loads", async () => {
    const t = hold();
    t.h.accept({ id: "a" }, "p1", 10);
    t.h.accept({ id: "req", needs: true }, "p1", 10);
    t.h.accept({ id: "b" }, "p2", 10);
    t.h.accept({ id: "req2", needs: true }, "p1", 10);
    expect(t.ran).toEqual(["a"]);
    expect(t.h.size).toBe(3);
    t.load();
    await t.settle();
    expect(t.ran).toEqual(["a", "req", "b", "req2"]);
    expect(t.h.size).toBe(0);
    expect(t.loads()).toBe(1);
    t.h.accept({ id: "c", needs: true }, "p1", 10);
    expect(t.ran.at(-1)).toBe("c");
  });

  it("an envelope that arrives while held ones run (a loopback) joins the end of the queue", async () => {
    const counters = new Counters();
    const ran: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let open = false;
    const h: ReceiveHold<Msg> = new ReceiveHold<Msg>({
      counters,
      waitFor: (m) => (m.needs && !open ? gate : null),
      run: (m) => {
        ran.push(m.id);
        if (m.id === "req") h.accept({ id: "loopback" }, "me", 1);
      },
      report: () => {},
    });
    h.accept({ id: "req", needs: true }, "p1", 1);
    h.accept({ id: "after" }, "p1", 1);
    open = true;
    release();
    await gate;
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual(["req", "after", "loopback"]);
  });

  it("bounded per sender: one sender's flood while a part loads cannot push out another's envelopes", () => {
    const t = hold();
    t.h.accept({ id: "req", needs: true }, "p1", 1);
    for (let i = 0; i < HOLD_LIMITS.perSender + 10; i++) t.h.accept({ id: `x${i}` }, "p1", 1);
    expect(t.counters.dropped("load-overflow")).toBe(11);
    t.h.accept({ id: "theirs" }, "p2", 1);
    expect(t.h.size).toBe(HOLD_LIMITS.perSender + 1);
  });

  it("bounded in all, by count and by bytes", () => {
    const t = hold();
    t.h.accept({ id: "req", needs: true }, "p0", 1);
    const senders = Math.ceil(HOLD_LIMITS.total / HOLD_LIMITS.perSender) + 1;
    for (let s = 1; s <= senders; s++)
      for (let i = 0; i < HOLD_LIMITS.perSender; i++) t.h.accept({ id: `${s}:${i}` }, `p${s}`, 1);
    expect(t.h.size).toBe(HOLD_LIMITS.total);
    expect(t.counters.dropped("load-overflow")).toBe(senders * HOLD_LIMITS.perSender + 1 - HOLD_LIMITS.total);

    const b = hold();
    b.h.accept({ id: "req", needs: true }, "p1", HOLD_LIMITS.bytes - 100);
    b.h.accept({ id: "fits" }, "p2", 100);
    b.h.accept({ id: "too big" }, "p3", 1);
    expect(b.h.size).toBe(2);
    expect(b.counters.dropped("load-overflow")).toBe(1);
  });

  it("a part that cannot load: the envelope that needed it is dropped and counted, the rest run; the next one tries again", async () => {
    const t = hold();
    t.h.accept({ id: "req", needs: true }, "p1", 10);
    t.h.accept({ id: "b" }, "p1", 10);
    t.fail(new Error("chunk fetch failed"));
    await t.settle();
    expect(t.ran).toEqual(["b"]);
    expect(t.counters.dropped("load-failed")).toBe(1);
    expect(String(t.reported[0])).toContain("chunk fetch failed");
    t.h.accept({ id: "req2", needs: true }, "p1", 10);
    expect(t.loads()).toBe(2);
    t.load();
    await t.settle();
    expect(t.ran).toEqual(["b", "req2"]);
  });

  it("a route that throws is reported and the envelopes after it still run", async () => {
    const counters = new Counters();
    const ran: string[] = [];
    const reported: unknown[] = [];
    let open = false;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = new ReceiveHold<Msg>({
      counters,
      waitFor: (m) => (m.needs && !open ? gate : null),
      run: (m) => {
        if (m.id === "bad") throw new Error("route failed");
        ran.push(m.id);
      },
      report: (e) => void reported.push(e),
    });
    h.accept({ id: "req", needs: true }, "p1", 1);
    h.accept({ id: "bad" }, "p1", 1);
    h.accept({ id: "after" }, "p1", 1);
    open = true;
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual(["req", "after"]);
    expect(reported).toHaveLength(1);
  });

  it("clear() drops what is held (shutdown)", async () => {
    const t = hold();
    t.h.accept({ id: "req", needs: true }, "p1", 10);
    t.h.accept({ id: "b" }, "p1", 10);
    t.h.clear();
    t.load();
    await t.settle();
    expect(t.ran).toEqual([]);
    expect(t.h.size).toBe(0);
  });
});
