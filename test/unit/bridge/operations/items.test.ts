/** items.search (world and compendium, by index only) and items.get. */
import { describe, expect, it } from "vitest";
import type { FetchResult, SearchResult } from "../../../../src/bridge/operations/index";
import { operationsFixture } from "./fixture";

const COMPENDIUM = [
  { name: "Longsword", type: "weapon", img: "sword.webp", system: { damage: "1d8" } },
  { name: "Shortsword", type: "weapon", img: "short.webp" },
  { name: "Healing Potion", type: "consumable" },
];

async function withItems() {
  const f = operationsFixture({ compendiumItems: COMPENDIUM });
  await f.ok("actors.create", { name: "Sword Master", type: "npc" });
  const items = f.sim.items;
  items.add({ _id: "worldsword000001", name: "Rusty SWORD", type: "weapon", img: "rusty.webp" });
  items.add({ _id: "worldshield00001", name: "Shield", type: "equipment" });
  return f;
}

describe("items.search", () => {
  it("shares one scan budget per client: a search is refused while the budget is in debt, until it is paid", async () => {
    const clock = { now: 1_000_000 };
    const f = operationsFixture({
      compendiumItems: [],
      now: () => clock.now,
      scanBudget: { rateLimit: 1000, rateBurst: 2000 },
    });
    for (let i = 0; i < 1000; i++)
      f.sim.items.add({ _id: `item${String(i).padStart(12, "0")}`, name: `Item ${i}` });
    const search = () => f.call("items.search", { query: "item", compendiums: false });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await search();
      codes.push(r.ok ? "ok" : r.error.code);
    }
    // 2,000 at once: two searches spend it, the third runs at zero and goes into debt, the fourth waits.
    expect(codes).toEqual(["ok", "ok", "ok", "RATE_LIMITED"]);
    clock.now += 999;
    expect(await search()).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    clock.now += 1;
    expect(await search()).toMatchObject({ ok: true });
  });

  it("searches running at once meet the budget at each scan: none scans on what another already spent", async () => {
    const f = operationsFixture({
      compendiumItems: Array.from({ length: 1000 }, (_, i) => ({ name: `Item ${i}`, type: "loot" })),
      now: () => 1_000_000,
      scanBudget: { rateLimit: 1000, rateBurst: 2000 },
    });
    // All six pass the first check (no world items to scan) and wait for the pack's index.
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => f.call("items.search", { query: "item", compendiums: true })),
    );
    const codes = replies.map((r) => (r.ok ? "ok" : r.error.code));
    // Two scans spend the 2,000, the third scans at zero and goes into debt, the others are refused.
    expect(codes).toEqual(["ok", "ok", "ok", "RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED"]);
  });

  it("finds names containing the query, any case, in world items then Item compendiums", async () => {
    const f = await withItems();
    const found = await f.ok<SearchResult>("items.search", { query: "sWoRd" });
    expect(found.total).toBe(3);
    expect(found.results).toEqual([
      { uuid: "Item.worldsword000001", name: "Rusty SWORD", type: "weapon", img: "rusty.webp", pack: null },
      {
        uuid: expect.stringMatching(/^Compendium\.world\.sim-items\.Item\./),
        name: "Longsword",
        type: "weapon",
        img: "sword.webp",
        pack: "world.sim-items",
      },
      expect.objectContaining({ name: "Shortsword", pack: "world.sim-items" }),
    ]);
  });

  it("reads compendium indexes only, never their documents", async () => {
    const f = await withItems();
    const pack = f.sim.packs[0];
    expect(pack?.index.size).toBe(0);
    await f.ok("items.search", { query: "potion" });
    expect(pack?.documentsLoaded).toBe(0);
    expect(pack?.indexCalls).toEqual([["name", "type", "img"]]);
  });

  it("filters by type, pages, and can leave compendiums out", async () => {
    const f = await withItems();
    const page = await f.ok<SearchResult>("items.search", {
      query: "s",
      type: "weapon",
      offset: 1,
      limit: 1,
    });
    expect(page.total).toBe(3);
    expect(page.results.map((r) => r.name)).toEqual(["Longsword"]);
    const world = await f.ok<SearchResult>("items.search", { query: "sword", compendiums: false });
    expect(world.results.map((r) => r.name)).toEqual(["Rusty SWORD"]);
    expect(f.sim.packs[0]?.indexCalls).toEqual([["name", "type", "img"]]);
  });

  it("refuses an empty or overlong query and a limit above 200", async () => {
    const f = await withItems();
    expect((await f.error("items.search", { query: "" })).code).toBe("VALIDATION");
    expect((await f.error("items.search", { query: "x".repeat(101) })).code).toBe("VALIDATION");
    expect((await f.error("items.search", { query: "x", limit: 500 })).code).toBe("VALIDATION");
  });
});

describe("items.get", () => {
  it("gets a world item by id and a compendium item by uuid (one document loaded)", async () => {
    const f = await withItems();
    await expect(f.ok<FetchResult>("items.get", { id: "worldshield00001" })).resolves.toEqual({
      uuid: "Item.worldshield00001",
      document: expect.objectContaining({ name: "Shield" }),
    });
    const hit = (await f.ok<SearchResult>("items.search", { query: "longsword" })).results[0];
    const fetched = await f.ok<FetchResult>("items.get", { uuid: hit?.uuid });
    expect(fetched.document).toMatchObject({ name: "Longsword", system: { damage: "1d8" } });
    expect(f.sim.packs[0]?.documentsLoaded).toBe(1);
  });

  it("a missing item, or an actor's uuid, is NOT_FOUND", async () => {
    const f = await withItems();
    expect((await f.error("items.get", { id: "nothing" })).code).toBe("NOT_FOUND");
    expect((await f.error("items.get", { uuid: "Compendium.world.sim-items.Item.nothing" })).code).toBe(
      "NOT_FOUND",
    );
    const actor = f.sim.actors.contents[0];
    expect(await f.error("items.get", { uuid: actor?.uuid })).toEqual({
      code: "NOT_FOUND",
      message: `items.get: "${actor?.uuid}" is not an Item but a document of type Actor`,
    });
  });
});
