/** actors.create / get / delete / list against simulated documents, through the bridge's answerer. */
import { describe, expect, it } from "vitest";
import type {
  DeleteResult,
  FetchResult,
  ListResult,
  PushResult,
} from "../../../../src/bridge/operations/index";
import { operationsFixture } from "./fixture";

describe("actors.*", () => {
  it("create makes a world actor and answers its id, uuid, name and type", async () => {
    const f = operationsFixture();
    const made = await f.ok<PushResult>("actors.create", {
      name: "Hero",
      type: "character",
      system: { hp: { value: 12 } },
    });
    expect(made).toEqual({
      id: expect.any(String),
      uuid: `Actor.${made.id}`,
      name: "Hero",
      type: "character",
    });
    expect(f.sim.actors.get(made.id)?.toObject()).toMatchObject({
      name: "Hero",
      system: { hp: { value: 12 } },
    });
  });

  it("create: bad data is VALIDATION and creates nothing; a refusing hook is HANDLER_ERROR", async () => {
    const f = operationsFixture();
    const bad = await f.error("actors.create", { name: "Hero" });
    expect(bad).toEqual({ code: "VALIDATION", message: "actors.create: data.type is required" });
    const poisoned = JSON.parse('{"name":"X","type":"npc","system":{"__proto__":{"a":1}}}') as unknown;
    expect((await f.error("actors.create", poisoned)).code).toBe("VALIDATION");
    f.sim.refuseNextCreate("Actor");
    const refused = await f.error("actors.create", { name: "Hero", type: "npc" });
    expect(refused).toEqual({
      code: "HANDLER_ERROR",
      message: expect.stringContaining("did not create the Actor"),
    });
    expect(f.sim.actors.size).toBe(0);
  });

  it("get by id or by uuid answers the document's data; a missing one is NOT_FOUND", async () => {
    const f = operationsFixture();
    const { id } = await f.ok<PushResult>("actors.create", { name: "Hero", type: "character" });
    const byId = await f.ok<FetchResult>("actors.get", { id });
    expect(byId).toEqual({
      uuid: `Actor.${id}`,
      document: expect.objectContaining({ _id: id, name: "Hero" }),
    });
    await expect(f.ok("actors.get", { uuid: `Actor.${id}` })).resolves.toEqual(byId);
    expect(await f.error("actors.get", { id: "nobody" })).toEqual({
      code: "NOT_FOUND",
      message: 'actors.get: no Actor with id "nobody" in this world',
    });
    expect((await f.error("actors.get", { uuid: "Actor.nobody" })).code).toBe("NOT_FOUND");
    expect((await f.error("actors.get", { id, uuid: `Actor.${id}` })).code).toBe("VALIDATION");
  });

  it("get by the uuid of another document type is NOT_FOUND", async () => {
    const f = operationsFixture();
    const journal = await f.ok<PushResult>("journals.create", { name: "Notes" });
    expect(await f.error("actors.get", { uuid: journal.uuid })).toEqual({
      code: "NOT_FOUND",
      message: `actors.get: "${journal.uuid}" is not an Actor but a document of type JournalEntry`,
    });
  });

  it("delete removes a world actor once; the second time it is NOT_FOUND", async () => {
    const f = operationsFixture();
    const { id } = await f.ok<PushResult>("actors.create", { name: "Hero", type: "character" });
    await expect(f.ok<DeleteResult>("actors.delete", { id })).resolves.toEqual({
      id,
      uuid: `Actor.${id}`,
      deleted: true,
    });
    expect(f.sim.actors.get(id)).toBeUndefined();
    expect((await f.error("actors.delete", { id })).code).toBe("NOT_FOUND");
  });

  it("list pages through the world's actors, optionally of one type", async () => {
    const f = operationsFixture();
    for (let n = 0; n < 5; n++)
      await f.ok("actors.create", { name: `A${n}`, type: n % 2 === 0 ? "npc" : "character" });
    const first = await f.ok<ListResult>("actors.list", { limit: 2 });
    expect(first.total).toBe(5);
    expect(first.items.map((a) => a.name)).toEqual(["A0", "A1"]);
    expect(first.items[0]).toEqual({
      id: expect.any(String),
      uuid: expect.stringMatching(/^Actor\./),
      name: "A0",
      type: "npc",
      img: "icons/svg/mystery-man.svg",
    });
    const npcs = await f.ok<ListResult>("actors.list", { type: "npc", offset: 1 });
    expect(npcs).toMatchObject({ total: 3, offset: 1 });
    expect(npcs.items.map((a) => a.name)).toEqual(["A2", "A4"]);
    expect((await f.error("actors.list", { limit: 201 })).message).toBe(
      "actors.list: data.limit must be a whole number from 1 to 200",
    );
  });

  it("before setup the world's actors are not loaded: a clear HANDLER_ERROR", async () => {
    const f = operationsFixture({ loaded: false });
    expect(await f.error("actors.list", {})).toEqual({
      code: "HANDLER_ERROR",
      message: "actors.list: the world's Actor documents are not loaded yet",
    });
  });
});
