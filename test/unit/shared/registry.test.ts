/** SharedStates over fake deps: what a new authority makes of the answers to its poll. */
import { describe, expect, it, vi } from "vitest";
import type { ChannelImpl } from "../../../src/channel";
import type { EmitReport, FoundryUser, RequestResult } from "../../../src/contract/types";
import { Counters } from "../../../src/metrics/counters";
import type { Core } from "../../../src/services/core";
import { Roster } from "../../../src/services/roster";
import { SharedStates, type SharedStatesDeps } from "../../../src/shared/registry";
import { SHARED_EVENTS } from "../../../src/shared/wire";
import { fakeEnv } from "../fake-env";
import { user as fixtureUser } from "../services/fixture";
import { FakeClock } from "../support";

const user = (id: string, isGM: boolean): FoundryUser => fixtureUser(id, isGM ? 4 : 1);

/** This client is the only GM, so starting makes it the authority, which polls every other client. */
function gmWithPollAnswers(
  answers: Map<string, RequestResult<unknown>>,
  fetched: unknown = null,
  otherGMs: readonly string[] = [],
) {
  const env = fakeEnv({
    me: "gm",
    users: [user("gm", true), ...[...answers.keys()].map((id) => user(id, otherGMs.includes(id)))],
  });
  const defer = (fn: () => void) => queueMicrotask(fn);
  const counters = new Counters();
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const core = {
    env,
    clock: new FakeClock(),
    session: "gm-session",
    defer,
    log,
    counters,
    roster: new Roster(
      () => env.users,
      () => env.userId,
      defer,
    ),
    config: () => ({ requestTimeout: 1000 }),
    userId: () => "gm",
  } as unknown as Core;
  const requestAll = vi.fn(async (event: string) => {
    expect(event).toBe(SHARED_EVENTS.poll);
    return answers as Map<string, RequestResult<never>>;
  });
  const deps: SharedStatesDeps = {
    core,
    channel: () => ({ on: () => {}, handle: () => {} }) as unknown as ChannelImpl,
    emit: async () => ({}) as EmitReport,
    request: async () => fetched as never,
    requestAll,
    transport: () => "native",
    onStateChange: () => () => {},
  };
  return { states: new SharedStates(deps), counters, log, requestAll };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SharedStates: poll replies", () => {
  it("counts a malformed answer to the fetch of a newer value; the state goes on from its own", async () => {
    const answers = new Map<string, RequestResult<unknown>>([
      ["gm2", { ok: true, value: { e: "x", v: 5, s: 1 } }],
    ]);
    const { states, counters } = gmWithPollAnswers(answers, { e: "x", v: "five", d: 1 }, ["gm2"]);
    const board = states.get("mod", "board", { initial: { round: 0 } });
    states.start();
    await settle();
    await settle();
    expect(board.synced).toBe(true);
    expect(board.value).toEqual({ round: 0 });
    expect(counters.dropped("envelope-shape")).toBe(1);
    states.dispose();
  });

  it("counts a present but malformed poll reply as envelope-shape; null (state not held) and failures are not", async () => {
    const answers = new Map<string, RequestResult<unknown>>([
      ["holds", { ok: true, value: { e: null, v: 0, s: 0 } }],
      ["lacks", { ok: true, value: null }],
      ["silent", { ok: false, error: new Error("timed out") }],
      ["bad-shape", { ok: true, value: { e: 1, v: "x", s: 7 } }],
      ["bad-version", { ok: true, value: { e: null, v: 2 ** 60, s: 1 } }],
    ]);
    const { states, counters, log, requestAll } = gmWithPollAnswers(answers);
    const board = states.get("mod", "board", { initial: { round: 0 } });
    states.start();
    await settle();
    expect(requestAll).toHaveBeenCalledTimes(1);
    expect(board.synced).toBe(true);
    expect(counters.dropped("envelope-shape")).toBe(2);
    expect(log.error).not.toHaveBeenCalled();
    states.dispose();
  });
});
