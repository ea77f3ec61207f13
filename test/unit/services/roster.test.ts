import { describe, expect, it } from "vitest";
import { NoGMError, ValidationError } from "../../../src/contract/errors";
import type { FoundryUser, FoundryUsers } from "../../../src/foundry/types";
import { Roster } from "../../../src/services/roster";
import { DeferQueue, thrownBy } from "../support";

type Spec = Omit<FoundryUser, "isGM" | "name"> & { name?: string };

function users(specs: Spec[], activeGM?: string | null): FoundryUsers {
  const list: FoundryUser[] = specs.map((s) => ({ name: s.id, ...s, isGM: s.role >= 3 }));
  return {
    get: (id) => list.find((u) => u.id === id),
    [Symbol.iterator]: () => list[Symbol.iterator](),
    activeGM: activeGM === undefined ? null : (list.find((u) => u.id === activeGM) ?? null),
  };
}

/** A GM, an assistant, two connected players and one who is offline; this client is p1 unless told. */
function world(me = "p1", activeGM: string | null = "gm") {
  const tasks = new DeferQueue();
  const list = users(
    [
      { id: "gm", role: 4, active: true },
      { id: "asst", role: 3, active: true },
      { id: "p1", role: 1, active: true },
      { id: "p2", role: 1, active: true },
      { id: "gone", role: 1, active: false },
    ],
    activeGM,
  );
  return {
    roster: new Roster(
      () => list,
      () => me,
      tasks.defer,
    ),
    tasks,
  };
}

describe("Roster.resolve", () => {
  it('"others" addresses everyone on the wire and lists the connected others', () => {
    const { roster } = world();
    expect(roster.resolve("others", "mod", "ev")).toEqual({
      self: false,
      wire: undefined,
      recipients: ["gm", "asst", "p2"],
    });
  });

  it('"all" also delivers here', () => {
    const { roster } = world();
    expect(roster.resolve("all", "mod", "ev")).toEqual({
      self: true,
      wire: undefined,
      recipients: ["p1", "gm", "asst", "p2"],
    });
  });

  it('"self" sends nothing on the wire', () => {
    const { roster } = world();
    expect(roster.resolve("self", "mod", "ev")).toEqual({ self: true, wire: [], recipients: ["p1"] });
  });

  it('"gm" is the designated GM, or this client when it is that GM', () => {
    expect(world().roster.resolve("gm", "mod", "ev")).toEqual({
      self: false,
      wire: ["gm"],
      recipients: ["gm"],
    });
    expect(world("gm").roster.resolve("gm", "mod", "ev")).toEqual({
      self: true,
      wire: [],
      recipients: ["gm"],
    });
  });

  it('"gm" with no GM connected throws NoGMError naming the module and event', () => {
    const tasks = new DeferQueue();
    const roster = new Roster(
      () => users([{ id: "p1", role: 1, active: true }]),
      () => "p1",
      tasks.defer,
    );
    const err = thrownBy(() => roster.resolve("gm", "my-mod", "my-event"));
    expect(err).toBeInstanceOf(NoGMError);
    expect(err).toMatchObject({ moduleId: "my-mod", event: "my-event" });
  });

  it('"gms" is every connected GM and assistant; this client is served locally, not on the wire', () => {
    expect(world().roster.resolve("gms", "mod", "ev")).toEqual({
      self: false,
      wire: ["gm", "asst"],
      recipients: ["gm", "asst"],
    });
    expect(world("asst").roster.resolve("gms", "mod", "ev")).toEqual({
      self: true,
      wire: ["gm"],
      recipients: ["gm", "asst"],
    });
  });

  it("a list of ids is deduplicated, and this client's own id means local delivery", () => {
    expect(world().roster.resolve(["p2", "p1", "p2"], "mod", "ev")).toEqual({
      self: true,
      wire: ["p2"],
      recipients: ["p2", "p1"],
    });
  });

  it.each([
    ["a string that is no target", "everyone"],
    ["an array with a number", ["p2", 7]],
    ["an object", { to: "p2" }],
  ])("refuses %s with a ValidationError naming the module", (_label, to) => {
    const err = thrownBy(() => world().roster.resolve(to as never, "my-mod", "my-event"));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ moduleId: "my-mod", event: "my-event" });
  });
});

describe("Roster.pickGM", () => {
  it("prefers Foundry's designated active GM", () => {
    expect(world("p1", "asst").roster.pickGM()?.id).toBe("asst");
  });

  it("without a designated GM, picks the highest role, then the lowest id", () => {
    expect(world("p1", null).roster.pickGM()?.id).toBe("gm");
    const tasks = new DeferQueue();
    const two = users([
      { id: "zed", role: 4, active: true },
      { id: "amy", role: 4, active: true },
      { id: "p1", role: 1, active: true },
    ]);
    expect(
      new Roster(
        () => two,
        () => "p1",
        tasks.defer,
      ).pickGM()?.id,
    ).toBe("amy");
  });

  it("skips the excluded GM (the one that just left) for the next one", () => {
    expect(world().roster.pickGM("gm")?.id).toBe("asst");
    expect(world().roster.pickGM("asst")?.id).toBe("gm");
  });
});

describe("Roster.otherIds", () => {
  it("is computed once per task and recomputed after it", () => {
    const tasks = new DeferQueue();
    const specs = [
      { id: "p1", role: 1 as const, active: true },
      { id: "p2", role: 1 as const, active: true },
    ];
    const list = users(specs);
    const roster = new Roster(
      () => list,
      () => "p1",
      tasks.defer,
    );
    const first = roster.otherIds();
    expect(first).toEqual(["p2"]);
    (list.get("p2") as { active: boolean }).active = false;
    expect(roster.otherIds()).toBe(first);
    tasks.endOfTask();
    expect(roster.otherIds()).toEqual([]);
  });

  it('the "others" recipients are a copy: changing a report cannot change the cache', () => {
    const { roster } = world();
    const report = roster.resolve("others", "mod", "ev").recipients;
    report.push("intruder");
    expect(roster.otherIds()).toEqual(["gm", "asst", "p2"]);
  });
});

describe("Roster reads Foundry's users at every use", () => {
  it("built before Foundry has users (init), it sees the collection that appears at setup", () => {
    const tasks = new DeferQueue();
    let current: FoundryUsers = users([]);
    const roster = new Roster(
      () => current,
      () => "p1",
      tasks.defer,
    );
    expect(roster.pickGM()).toBeNull();
    current = users(
      [
        { id: "gm", role: 4, active: true },
        { id: "p1", role: 1, active: true },
      ],
      "gm",
    );
    expect(roster.pickGM()?.id).toBe("gm");
    expect(roster.user("gm")?.isGM).toBe(true);
  });
});
