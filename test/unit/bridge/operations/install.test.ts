/** installWorldOperations: opt-in per operation, GM only, live setting changes, conflicts, dispose. */
import { describe, expect, it, vi } from "vitest";
import { BridgeHandlers } from "../../../../src/bridge/handlers";
import { installWorldOperations, WORLD_OPERATIONS } from "../../../../src/bridge/operations/index";
import {
  registerWorldOperationSettings,
  WORLD_OPERATION_SETTINGS,
  type WorldOperationKind,
  worldOperationEnabled,
} from "../../../../src/foundry/bridge-settings";
import { fakeGame } from "../../foundry/fake-game";
import { operationsFixture } from "./fixture";

const ALL = Object.keys(WORLD_OPERATION_SETTINGS).sort();

describe("installWorldOperations", () => {
  it("has exactly one operation per setting, with the fixed kind names", () => {
    expect(WORLD_OPERATIONS.map((o) => o.kind).sort()).toEqual(ALL);
    expect(ALL).toEqual([
      "actors.create",
      "actors.delete",
      "actors.get",
      "actors.list",
      "files.list",
      "items.get",
      "items.search",
      "journals.create",
      "scenes.create",
    ]);
  });

  it("registers nothing while every operation is off: the backend gets NO_HANDLER", async () => {
    const f = operationsFixture({ enabled: () => false });
    expect(f.handlers.kinds()).toEqual([]);
    expect((await f.error("actors.list", {})).code).toBe("NO_HANDLER");
  });

  it("registers only the enabled ones, and follows a change without reload", async () => {
    const on = new Set<string>(["actors.list"]);
    const f = operationsFixture({ enabled: (k) => on.has(k) });
    expect(f.handlers.kinds()).toEqual(["actors.list"]);
    on.add("actors.create");
    on.delete("actors.list");
    f.ops.refresh();
    expect(f.ops.active()).toEqual(["actors.create"]);
    expect((await f.error("actors.list", {})).code).toBe("NO_HANDLER");
    await f.ok("actors.create", { name: "A", type: "npc" });
  });

  it("registers nothing on a player's client", () => {
    const f = operationsFixture({ gm: false });
    expect(f.handlers.kinds()).toEqual([]);
  });

  it("answers PERMISSION if this user stops being a GM before the next refresh", async () => {
    const f = operationsFixture();
    f.world.gm = false;
    expect((await f.error("actors.list", {})).code).toBe("PERMISSION");
    f.ops.refresh();
    expect(f.handlers.kinds()).toEqual([]);
  });

  it("leaves a module's own handler of the same kind alone and reports the conflict", () => {
    const handlers = new BridgeHandlers();
    handlers.add("actors.list", () => "mine");
    const onError = vi.fn();
    const ops = installWorldOperations({
      scope: () => ({ game: { user: { isGM: true } } }),
      handle: (kind, fn, o) => handlers.add(kind, fn, o),
      isEnabled: () => true,
      onError,
    });
    ops.refresh();
    expect(onError).toHaveBeenCalledWith("actors.list", expect.any(Error));
    expect(ops.active()).not.toContain("actors.list");
    expect(ops.active()).toHaveLength(ALL.length - 1);
    ops.dispose();
    expect(handlers.kinds()).toEqual(["actors.list"]);
    ops.refresh();
    expect(handlers.kinds()).toEqual(["actors.list"]);
  });
});

describe("the operations' settings", () => {
  it("one boolean world setting each, off by default, shown to the GM, with a change callback", async () => {
    const { game } = fakeGame();
    const changed = vi.fn();
    registerWorldOperationSettings(game, changed);
    const registered = game.settings.register.mock.calls.filter(([, key]) => key.startsWith("bridgeOp"));
    expect(registered).toHaveLength(ALL.length);
    for (const [, , config] of registered)
      expect(config).toMatchObject({ scope: "world", config: true, type: Boolean, default: false });
    const kind: WorldOperationKind = "items.search";
    expect(worldOperationEnabled(game, kind)).toBe(false);
    await game.settings.set("socket-manager", WORLD_OPERATION_SETTINGS[kind].key, true);
    expect(worldOperationEnabled(game, kind)).toBe(true);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(worldOperationEnabled(game, "teleport")).toBe(false);
    expect(worldOperationEnabled(undefined, kind)).toBe(false);
  });

  it("keeps each setting's key (stored values and lang/en.json are found by it), in the window's order", () => {
    const { game } = fakeGame();
    registerWorldOperationSettings(game, () => {});
    const registered = game.settings.register.mock.calls.map(([, key, config]) => [
      key,
      config.name,
      config.hint,
    ]);
    const keys = [
      "bridgeOpActorsCreate",
      "bridgeOpActorsGet",
      "bridgeOpActorsDelete",
      "bridgeOpActorsList",
      "bridgeOpItemsSearch",
      "bridgeOpItemsGet",
      "bridgeOpJournalsCreate",
      "bridgeOpScenesCreate",
      "bridgeOpFilesList",
    ];
    expect(registered).toEqual(
      keys.map((k) => [k, `SOCKET_MANAGER.Settings.${k}.Name`, `SOCKET_MANAGER.Settings.${k}.Hint`]),
    );
    expect(WORLD_OPERATION_SETTINGS["files.list"].key).toBe("bridgeOpFilesList");
  });
});
