/** Answering other clients' requests: once per request, the reply on the wire, or an error naming why not. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config";
import { Dispatcher } from "../../../src/pipeline/dispatch";
import type { Envelope } from "../../../src/pipeline/envelope";
import { ANSWER_SHARE, Answering, REPEAT_BYTES, REPEAT_INTERVAL } from "../../../src/services/answering";
import { ANSWER_BYTES_PER_USER, ANSWER_LIFETIME } from "../../../src/services/answers";
import { fixture, user } from "./fixture";

describe("Answering", () => {
  /** The GM answering p1 with `responder`; `ask(q, r?)` delivers a request numbered q (naming r when a repeat). */
  function answering(responder: (data: unknown) => unknown) {
    const f = fixture("gm1", [user("gm1", 4), user("p1", 1)]);
    const source = { handlersFor: () => [], responderFor: () => ({ fn: responder, opts: {} }) };
    const answering = new Answering({
      core: f.core,
      dispatcher: new Dispatcher(() => source, f.core.counters, f.core.log),
    });
    const ask = (q: number, data: unknown, r?: string, w?: number) => {
      const env: Envelope = { q, k: "req", c: "mod", e: "ask", a: 0, d: data, t: ["gm1"] };
      if (r !== undefined) env.r = r;
      if (w !== undefined) env.w = w;
      const ctx = {
        moduleId: "mod",
        event: "ask",
        messageId: `p1s:${q}`,
        senderId: "p1",
        sender: user("p1", 1),
      };
      answering.answer(env, ctx as never, "p1s");
    };
    const replies = () =>
      f
        .sent()
        .filter((e) => e.k === "res")
        .map((e) => [e.r, e.d]);
    return { f, ask, replies };
  }

  it("answers one requester's requests within a tenth of the message limits; the rest are dropped, counted", () => {
    let runs = 0;
    const { f, ask } = answering(() => ++runs);
    const burst = DEFAULT_CONFIG.rateBurst / ANSWER_SHARE;
    const rate = DEFAULT_CONFIG.rateLimit / ANSWER_SHARE;
    for (let q = 1; q <= burst + 5; q++) ask(q, q);
    expect(runs).toBe(burst);
    expect(f.core.counters.dropped("rate-limited")).toBe(5);
    f.clock.advance(1000);
    for (let q = burst + 6; q <= burst + 6 + rate; q++) ask(q, q);
    expect(runs).toBe(burst + rate);
    expect(f.core.counters.dropped("rate-limited")).toBe(6);
  });

  it("answers once per request id: a request sent again gets the first answer without running twice", () => {
    let runs = 0;
    const { f, ask, replies } = answering((n) => {
      runs++;
      return (n as number) * 2;
    });
    ask(5, 21);
    // Sent again after an outage: a new envelope naming the original id.
    ask(9, 21, "p1s:5");
    // A repeat that names no request id is refused, and runs nothing.
    ask(10, 21, "p1s:05");
    ask(11, 21, "nonsense");
    f.tasks.endOfTask();
    expect(runs).toBe(1);
    expect(replies()).toEqual([
      ["p1s:5", 42],
      ["p1s:5", 42],
    ]);
    expect(f.core.counters.requestsAnswered).toBe(1);
    expect(f.core.counters.dropped("envelope-shape")).toBe(2);
  });

  it("an answer JSON cannot carry fails the responder as a throw would, once; a repeat gets the same error", () => {
    let runs = 0;
    const { f, ask } = answering(() => {
      runs++;
      return { when: new Date(0) };
    });
    ask(5, 1);
    ask(6, 1, "p1s:5");
    f.tasks.endOfTask();
    const errors = f.sent().filter((e) => e.k === "err");
    expect(runs).toBe(1);
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(e.r).toBe("p1s:5");
      expect(e.d).toMatchObject({
        code: "RemoteHandlerError",
        message: expect.stringMatching(/not JSON-safe/),
      });
    }
    expect(f.sent().filter((e) => e.k === "res")).toEqual([]);
    expect(f.core.counters.handlerErrors).toBe(1);
  });

  it("a repeat that arrives while an async responder still works is ignored; one after it gets the same answer", async () => {
    let runs = 0;
    let finish: (v: number) => void = () => {};
    const { f, ask, replies } = answering(() => {
      runs++;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    });
    ask(5, 1);
    ask(6, 1, "p1s:5");
    expect(f.core.counters.dropped("duplicate")).toBe(1);
    finish(7);
    await new Promise((r) => setTimeout(r, 0));
    ask(7, 1, "p1s:5");
    f.tasks.endOfTask();
    expect(runs).toBe(1);
    expect(replies()).toEqual([
      ["p1s:5", 7],
      ["p1s:5", 7],
    ]);
  });

  it(`sends the same answer again at most once per ${REPEAT_INTERVAL} ms; more repeats are dropped and counted`, () => {
    let runs = 0;
    const { f, ask, replies } = answering((n) => {
      runs++;
      return (n as number) * 2;
    });
    ask(5, 21);
    ask(6, 21, "p1s:5");
    // A flood of repeats under fresh sequence numbers: each would have the whole answer copied and sent.
    for (let q = 7; q < 107; q++) ask(q, 21, "p1s:5");
    f.clock.advance(REPEAT_INTERVAL - 1);
    ask(107, 21, "p1s:5");
    f.clock.advance(1);
    ask(108, 21, "p1s:5");
    f.tasks.endOfTask();
    expect(runs).toBe(1);
    expect(replies()).toEqual([
      ["p1s:5", 42],
      ["p1s:5", 42],
      ["p1s:5", 42],
    ]);
    expect(f.core.counters.dropped("duplicate")).toBe(101);
  });

  it("repeats of many answered requests re-send at most REPEAT_BYTES to one requester per window", () => {
    const big = "x".repeat(200_000);
    const { f, ask, replies } = answering(() => big);
    for (let q = 1; q <= 10; q++) ask(q, q);
    f.tasks.endOfTask();
    expect(replies()).toHaveLength(10);
    // One repeat of each of the ten: about 2 MB of answers asked for again by ten small envelopes.
    for (let q = 1; q <= 10; q++) ask(100 + q, q, `p1s:${q}`);
    f.tasks.endOfTask();
    const fit = Math.floor(REPEAT_BYTES / 200_050);
    expect(replies()).toHaveLength(10 + fit);
    expect(f.core.counters.dropped("rate-limited")).toBe(10 - fit);
    // The next window has room again.
    f.clock.advance(REPEAT_INTERVAL);
    ask(200, 10, "p1s:10");
    f.tasks.endOfTask();
    expect(replies()).toHaveLength(11 + fit);
  });

  it(`keeps an answer for a repeat ${ANSWER_LIFETIME} ms; past that the request is unknown and runs again`, () => {
    let runs = 0;
    const { f, ask, replies } = answering((n) => {
      runs++;
      return (n as number) * 2;
    });
    ask(5, 21);
    f.clock.advance(ANSWER_LIFETIME - 1);
    ask(6, 21, "p1s:5");
    expect(runs).toBe(1);
    f.clock.advance(1);
    ask(7, 21, "p1s:5");
    f.tasks.endOfTask();
    expect(runs).toBe(2);
    expect(replies()).toHaveLength(3);
  });

  it("keeps the answer to a request that may wait longer (its `w`) at least that long, for a repeat", () => {
    let runs = 0;
    const { f, ask, replies } = answering((n) => {
      runs++;
      return (n as number) * 2;
    });
    const wait = 10 * 60_000;
    ask(5, 21, undefined, wait);
    f.clock.advance(wait - 1);
    ask(6, 21, "p1s:5", wait);
    f.tasks.endOfTask();
    expect(runs).toBe(1);
    expect(replies()).toHaveLength(2);
    // Looked at again once per ANSWER_LIFETIME: forgotten within one more of them.
    f.clock.advance(ANSWER_LIFETIME + 1);
    ask(7, 21, "p1s:5", wait);
    f.tasks.endOfTask();
    expect(runs).toBe(2);
  });

  it("an answer past the requester's byte budget is not kept: a repeat is told it is gone, and nothing runs twice", () => {
    let runs = 0;
    // Answers of `n` characters (one frame each): `count` of them pass the requester's budget.
    const { f, ask, replies } = answering((n) => {
      runs++;
      return "x".repeat(n as number);
    });
    const size = 250_000;
    const count = Math.ceil(ANSWER_BYTES_PER_USER / size);
    for (let q = 1; q <= count; q++) ask(q, size);
    ask(1000, size, "p1s:1");
    ask(1001, size, `p1s:${count}`);
    f.tasks.endOfTask();
    expect(runs).toBe(count);
    const sent = f.sent();
    const errors = sent.filter((e) => e.k === "err");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.r).toBe(`p1s:${count}`);
    expect(errors[0]?.d).toEqual({
      code: "SocketManagerError",
      message: expect.stringMatching(/no longer available/),
    });
    // The kept one is answered in full.
    const [id, value] = replies().at(-1) ?? [];
    expect(id).toBe("p1s:1");
    expect(value).toBe("x".repeat(size));
    expect(f.core.counters.requestsAnswered).toBe(count);
  });

  it("a repeat gets the answer as it was sent, whatever the responder did to its value afterwards", () => {
    const value = { items: [1] };
    const { f, ask, replies } = answering(() => value);
    ask(5, 0);
    value.items.push(...Array.from({ length: 1000 }, (_, i) => i));
    ask(6, 0, "p1s:5");
    f.tasks.endOfTask();
    expect(replies()).toEqual([
      ["p1s:5", { items: [1] }],
      ["p1s:5", { items: [1] }],
    ]);
  });
});
