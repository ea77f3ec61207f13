/** The world-operations client: each method sends its fixed kind with the data and options it was given. */
import { describe, expect, it } from "vitest";
import { WORLD_OPERATION_KINDS, worldOperations } from "../src/index.js";
import type { RequestOptions } from "../src/types.js";

function recordingBridge() {
  const sent: { kind: string; data: unknown; opts: RequestOptions | undefined }[] = [];
  const bridge = {
    request<T>(kind: string, data?: unknown, opts?: RequestOptions): Promise<T> {
      sent.push({ kind, data, opts });
      return Promise.resolve({ answered: kind } as T);
    },
  };
  return { bridge, sent };
}

describe("worldOperations", () => {
  it("maps every method to its request kind, passing data and options through", async () => {
    const { bridge, sent } = recordingBridge();
    const world = worldOperations(bridge);
    const opts = { timeout: 1234, world: "w1" };
    await world.actors.create({ name: "Hero", type: "character" }, opts);
    await world.actors.get({ id: "a1" });
    await world.actors.delete({ id: "a1" });
    await world.actors.list({ limit: 10 });
    await world.items.search({ query: "sword" });
    await world.items.get({ uuid: "Compendium.p.q.Item.x" });
    await world.journals.create({ name: "Notes", content: "<p>x</p>" });
    await world.scenes.create({ name: "Cave", gridSize: 100 });
    await expect(world.files.list({ target: "maps" })).resolves.toEqual({ answered: "files.list" });
    expect(sent.map((s) => s.kind)).toEqual([...WORLD_OPERATION_KINDS]);
    expect(sent[0]).toEqual({ kind: "actors.create", data: { name: "Hero", type: "character" }, opts });
    expect(sent[5]?.data).toEqual({ uuid: "Compendium.p.q.Item.x" });
  });

  it("sends {} when a listing is called without a query", async () => {
    const { bridge, sent } = recordingBridge();
    const world = worldOperations(bridge);
    await world.actors.list();
    await world.files.list();
    expect(sent.map((s) => s.data)).toEqual([{}, {}]);
  });
});
