/** The `$sh.*` routes over a fake channel: what each hands to its state, and that every drop is counted. */
import { describe, expect, it } from "vitest";
import type { ChannelImpl } from "../../../src/channel";
import type { FoundryUser, MessageContext } from "../../../src/contract/types";
import { Counters } from "../../../src/metrics/counters";
import type { Core } from "../../../src/services/core";
import { installRoutes } from "../../../src/shared/routes";
import type { SharedStateCore } from "../../../src/shared/state";
import { SHARED_EVENTS } from "../../../src/shared/wire";
import { user as fixtureUser } from "../services/fixture";

const user = (id: string, isGM: boolean): FoundryUser => fixtureUser(id, isGM ? 4 : 1);
const ref = { m: "mod", k: "board" };

function setup() {
  const counters = new Counters();
  const handlers = new Map<string, (data: unknown, ctx: MessageContext) => unknown>();
  const channel = {
    on: (event: string, fn: (data: unknown, ctx: MessageContext) => unknown) => handlers.set(event, fn),
    handle: (event: string, fn: (data: unknown, ctx: MessageContext) => unknown) => handlers.set(event, fn),
  } as unknown as ChannelImpl;
  const core = { counters, userId: () => "p2" } as unknown as Core;
  const calls: string[] = [];
  const state = {
    patch: () => void calls.push("patch"),
    snapshot: () => void calls.push("snapshot"),
    poll: () => ({ e: "a.1", v: 1, s: 1 }),
    fetch: () => ({ e: "a.1", v: 1, d: {} }),
  } as unknown as SharedStateCore;
  installRoutes(channel, core, () => state);
  const send = (event: string, data: unknown, from: FoundryUser) =>
    handlers.get(event)?.(data, { senderId: from.id, sender: from, simulated: false } as MessageContext);
  return { counters, calls, send };
}

describe("shared routes", () => {
  const gm = user("gm", true);
  const p1 = user("p1", false);

  it("hands a GM's patch and snapshot on, and counts a malformed one (past MAX_VERSION too)", () => {
    const { counters, calls, send } = setup();
    send(SHARED_EVENTS.patch, { ...ref, e: "a.1", f: 0, v: 1, by: "gm", o: [] }, gm);
    send(SHARED_EVENTS.snapshot, { ...ref, e: "a.1", v: 1, by: "gm", d: {} }, gm);
    expect(calls).toEqual(["patch", "snapshot"]);
    send(SHARED_EVENTS.patch, { ...ref, e: "a.1", f: 0, v: 2 ** 50 + 1, by: "gm", o: [] }, gm);
    send(SHARED_EVENTS.patch, { ...ref, e: "a.1", f: 2, v: 1, by: "gm", o: [] }, gm);
    send(SHARED_EVENTS.snapshot, { ...ref, e: "a.1", v: 2 ** 50 + 1, by: "gm", d: {} }, gm);
    send(SHARED_EVENTS.snapshot, { ...ref, e: "a.1", v: 1, by: "gm" }, gm);
    expect(calls).toEqual(["patch", "snapshot"]);
    expect(counters.dropped("envelope-shape")).toBe(4);
  });

  it("answers polls and fetches only for another GM, counting the rest", () => {
    const { counters, send } = setup();
    expect(send(SHARED_EVENTS.poll, ref, gm)).toEqual({ e: "a.1", v: 1, s: 1 });
    expect(send(SHARED_EVENTS.fetch, ref, gm)).toEqual({ e: "a.1", v: 1, d: {} });
    expect(send(SHARED_EVENTS.poll, ref, p1)).toBeNull();
    expect(send(SHARED_EVENTS.fetch, ref, p1)).toBeNull();
    expect(send(SHARED_EVENTS.poll, { m: "mod" }, gm)).toBeNull();
    expect(send(SHARED_EVENTS.fetch, { k: "board" }, gm)).toBeNull();
    expect(counters.dropped("permission")).toBe(2);
    expect(counters.dropped("envelope-shape")).toBe(2);
  });

  it("answers a malformed proposal with a refusal, and counts it", () => {
    const { counters, send } = setup();
    expect(send(SHARED_EVENTS.propose, { ...ref, o: "not a patch" }, p1)).toMatchObject({
      x: "ValidationError",
    });
    expect(counters.dropped("envelope-shape")).toBe(1);
  });
});
