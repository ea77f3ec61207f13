/** journals.create and scenes.create: what reaches Foundry's create, and what comes back. */
import { describe, expect, it } from "vitest";
import type { PushResult } from "../../../../src/bridge/operations/index";
import { operationsFixture } from "./fixture";

describe("journals.create", () => {
  it("creates an entry with one HTML text page holding the content", async () => {
    const f = operationsFixture();
    const made = await f.ok<PushResult>("journals.create", { name: "Session 1", content: "<p>We met.</p>" });
    expect(made).toEqual({
      id: expect.any(String),
      uuid: `JournalEntry.${made.id}`,
      name: "Session 1",
      type: null,
    });
    expect(f.sim.journal.get(made.id)?.toObject()).toMatchObject({
      name: "Session 1",
      pages: [{ name: "Session 1", type: "text", text: { content: "<p>We met.</p>", format: 1 } }],
    });
  });

  it("without content it has no page; a name is required and bounded", async () => {
    const f = operationsFixture();
    const { id } = await f.ok<PushResult>("journals.create", { name: "Empty" });
    expect(f.sim.journal.get(id)?.toObject().pages).toEqual([]);
    expect((await f.error("journals.create", { content: "x" })).message).toBe(
      "journals.create: data.name is required",
    );
    expect((await f.error("journals.create", { name: "x".repeat(256) })).code).toBe("VALIDATION");
  });
});

describe("scenes.create", () => {
  it("puts the background in background.src and the grid size in grid.size", async () => {
    const f = operationsFixture();
    const made = await f.ok<PushResult>("scenes.create", {
      name: "Cave",
      background: "maps/cave.webp",
      width: 3000,
      height: 2000,
      gridSize: 100,
      navigation: true,
    });
    expect(made).toMatchObject({ uuid: `Scene.${made.id}`, name: "Cave", type: null });
    const data = f.sim.scenes.get(made.id)?.toObject();
    expect(data).toMatchObject({
      name: "Cave",
      background: { src: "maps/cave.webp" },
      grid: { size: 100 },
      width: 3000,
      height: 2000,
      navigation: true,
    });
  });

  it("sends only the fields given, and refuses out-of-range sizes", async () => {
    const f = operationsFixture();
    const { id } = await f.ok<PushResult>("scenes.create", { name: "Plain" });
    expect(Object.keys(f.sim.scenes.get(id)?.toObject() ?? {}).sort()).toEqual(["_id", "name"]);
    expect((await f.error("scenes.create", { name: "Huge", width: 100_000 })).message).toBe(
      "scenes.create: data.width must be a whole number from 100 to 16384",
    );
  });
});
