/** The Requests service: who a request goes to, GM takeover when the answering GM leaves, replies. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config";
import {
  NoGMError,
  PayloadTooLargeError,
  TimeoutError,
  UserOfflineError,
  ValidationError,
} from "../../../src/contract/errors";
import { Counters } from "../../../src/metrics/counters";
import { Dispatcher } from "../../../src/pipeline/dispatch";
import type { Envelope } from "../../../src/pipeline/envelope";
import { ANSWER_LIFETIME } from "../../../src/services/answers";
import { messageContext } from "../../../src/services/context";
import { Requests } from "../../../src/services/requests";
import { fixture, user } from "./fixture";

function setup(users = [user("gm1", 4), user("gm2", 4), user("p1", 1)]) {
  const f = fixture("p1", users);
  const dispatcher = new Dispatcher(() => undefined, new Counters(), f.core.log);
  const requests = new Requests({
    core: f.core,
    dispatcher,
    transport: () => "native",
    localContext: () => null,
  });
  const settle = <T>(p: Promise<T>) =>
    p.then(
      (value) => ({ ok: true as const, value }),
      (error: Error) => ({ ok: false as const, error }),
    );
  const reply = (from: string, to: Envelope, value: unknown) =>
    requests.reply(
      { q: 1, k: "res", c: to.c, e: to.e, a: f.clock.now(), d: value, r: `${f.core.session}:${to.q}` },
      from,
    );
  return { f, requests, settle, reply };
}

describe("Requests", () => {
  it('"gm" goes to the designated GM; its answer settles the request', async () => {
    const { f, requests, settle, reply } = setup();
    const result = settle(requests.request("mod", "ask", 1, {}));
    f.tasks.endOfTask();
    const [req] = f.sent();
    expect(req).toMatchObject({ k: "req", c: "mod", e: "ask", t: ["gm1"] });
    reply("gm1", req!, "yes");
    expect(await result).toEqual({ ok: true, value: "yes" });
  });

  it("when the answering GM leaves, the next GM takes over under a new id; a late answer from the first is ignored", async () => {
    const { f, requests, settle, reply } = setup();
    const result = settle(requests.request("mod", "ask", 1, { timeout: 5000 }));
    f.tasks.endOfTask();
    const first = f.sent()[0]!;
    f.users[0] = user("gm1", 4, false);
    requests.userLeft("gm1");
    f.tasks.endOfTask();
    const second = f.sent()[1]!;
    expect(second).toMatchObject({ k: "req", e: "ask", t: ["gm2"], d: 1 });
    expect(second.q).not.toBe(first.q);
    reply("gm1", first, "stale");
    expect(f.core.counters.dropped("stale-reply")).toBe(1);
    reply("gm2", second, "from gm2");
    expect(await result).toEqual({ ok: true, value: "from gm2" });
  });

  it("a payload that cannot travel rejects before anything is open or counted", async () => {
    const { f, requests, settle } = setup();
    const notJson = await settle(requests.request("mod", "ask", { when: new Date() }, {}));
    const tooLarge = await settle(
      requests.request("mod", "ask", "x".repeat(DEFAULT_CONFIG.maxPayloadBytes), {}),
    );
    expect(notJson.ok || notJson.error).toBeInstanceOf(ValidationError);
    expect(tooLarge.ok || tooLarge.error).toBeInstanceOf(PayloadTooLargeError);
    f.tasks.endOfTask();
    expect(f.sent()).toEqual([]);
    expect(requests.pending).toBe(0);
    expect(f.core.counters.requestsSent).toBe(0);
  });

  it("the payload is taken at the call: a GM taking over gets it as it was, whatever the caller did to it since", async () => {
    const { f, requests, settle, reply } = setup();
    const payload = { hp: 10 };
    const result = settle(requests.request("mod", "ask", payload, { timeout: 5000 }));
    payload.hp = 0;
    f.tasks.endOfTask();
    f.users[0] = user("gm1", 4, false);
    requests.userLeft("gm1");
    f.tasks.endOfTask();
    const [first, second] = f.sent();
    expect(first?.d).toEqual({ hp: 10 });
    expect(second).toMatchObject({ t: ["gm2"], d: { hp: 10 } });
    reply("gm2", second!, "ok");
    expect(await result).toEqual({ ok: true, value: "ok" });
  });

  it("a request that may wait longer than an answer is usually kept says how long, when sent, resent and taken over", async () => {
    const { f, requests, settle } = setup();
    void settle(requests.request("mod", "ask", 1, { timeout: ANSWER_LIFETIME }));
    void settle(requests.request("mod", "ask", 2, { timeout: 300_000 }));
    f.tasks.endOfTask();
    const [usual, long] = f.sent();
    expect(usual?.w).toBeUndefined();
    expect(long?.w).toBe(300_000);
    requests.resendPending();
    f.tasks.endOfTask();
    expect(
      f
        .sent()
        .slice(2)
        .map((e) => [e.d, e.r === undefined ? null : "r", e.w]),
    ).toEqual([
      [1, "r", undefined],
      [2, "r", 300_000],
    ]);
    f.users[0] = user("gm1", 4, false);
    requests.userLeft("gm1");
    f.tasks.endOfTask();
    expect(
      f
        .sent()
        .slice(4)
        .map((e) => [e.d, e.t, e.w]),
    ).toEqual([
      [1, ["gm2"], undefined],
      [2, ["gm2"], 300_000],
    ]);
  });

  it("when the answering GM leaves and no other GM is there, NoGMError at once", async () => {
    const { f, requests, settle } = setup([user("gm1", 4), user("p1", 1)]);
    const result = settle(requests.request("mod", "ask", 1, { timeout: 5000 }));
    f.tasks.endOfTask();
    f.users[0] = user("gm1", 4, false);
    requests.userLeft("gm1");
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.error).toBeInstanceOf(NoGMError);
  });

  it("a request to a user who leaves fails with UserOfflineError; one nobody answers, TimeoutError", async () => {
    const { f, requests, settle } = setup();
    const toP = settle(requests.request("mod", "ask", 1, { to: "gm2", timeout: 5000 }));
    requests.userLeft("gm2");
    const left = await toP;
    expect(left.ok === false && left.error).toBeInstanceOf(UserOfflineError);
    const silent = settle(requests.request("mod", "ask", 1, { timeout: 300 }));
    f.clock.advance(300);
    const timedOut = await silent;
    expect(timedOut.ok === false && timedOut.error).toBeInstanceOf(TimeoutError);
    expect(requests.pending).toBe(0);
  });

  it("a request this client answers itself: each side gets a copy as JSON carries it", async () => {
    const f = fixture("p1", [user("gm1", 4), user("p1", 1)]);
    const seen: unknown[] = [];
    const answered = { ok: true, gone: undefined };
    const responder = (data: unknown) => {
      seen.push(data);
      (data as { list: number[] }).list.push(3);
      return answered;
    };
    const dispatcher = new Dispatcher(
      () => ({ handlersFor: () => [], responderFor: () => ({ fn: responder, opts: {} }) }),
      new Counters(),
      f.core.log,
    );
    const requests = new Requests({
      core: f.core,
      dispatcher,
      transport: () => "native",
      localContext: (env, id, simulated) =>
        messageContext(env, id, user("p1", 1), "native", simulated, f.clock.now(), () => 0),
    });
    const payload = { list: [1, 2], gone: undefined };
    const answer = requests.request("mod", "ask", payload, { to: "p1" });
    f.tasks.endOfTask();
    const value = await answer;
    expect(value).toEqual({ ok: true });
    expect(value).not.toBe(answered);
    expect(Object.hasOwn(value as object, "gone")).toBe(false);
    expect(seen[0]).toEqual({ list: [1, 2, 3] });
    expect(Object.hasOwn(seen[0] as object, "gone")).toBe(false);
    expect(payload.list).toEqual([1, 2]);
    expect(f.sent()).toHaveLength(0);
  });
});
