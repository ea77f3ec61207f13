import { afterEach, describe, expect, it, vi } from "vitest";
import { type Config, DEFAULT_CONFIG, mergeConfig } from "../../../src/config";
import {
  applyStoredSettings,
  indicatorVisible,
  registerInterface,
  registerSettings,
  SETTING_SCOPES,
} from "../../../src/foundry/settings";
import { fakeGame } from "./fake-game";

/** A `configure` with the manager's semantics: validated, all or nothing. */
function configurable() {
  let config: Readonly<Config> = DEFAULT_CONFIG;
  const configure = vi.fn((patch: Partial<Config>) => {
    config = mergeConfig(config, patch);
  });
  return { configure, current: () => config };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("stored settings", () => {
  it("are applied key by key: one bad value does not refuse the others", () => {
    const { game } = fakeGame({ batchSize: 7, batchTimeout: -5, outboxSize: 12, enableDebugLogging: "yes" });
    const { configure, current } = configurable();
    registerSettings(game, configure);
    const log = vi.fn();
    const refused = applyStoredSettings(game, configure, log);
    expect(refused.sort()).toEqual(["batchTimeout", "enableDebugLogging"]);
    expect(current().batchSize).toBe(7);
    expect(current().outboxSize).toBe(12);
    expect(current().batchTimeout).toBe(DEFAULT_CONFIG.batchTimeout);
    expect(current().enableDebugLogging).toBe(false);
    expect(log).toHaveBeenCalledTimes(2);
    const logged = log.mock.calls.map((c) => String(c[0]));
    expect(logged.some((m) => m.includes("batchTimeout"))).toBe(true);
    expect(logged.some((m) => m.includes("enableDebugLogging"))).toBe(true);
    expect(log.mock.calls[0]?.[1]).toBeInstanceOf(Error);
  });

  it("accept values that only fit together (first delay above the old maximum)", () => {
    const { game } = fakeGame({ initialReconnectionDelay: 60_000, maxReconnectionDelay: 120_000 });
    const { configure, current } = configurable();
    registerSettings(game, configure);
    const log = vi.fn();
    expect(applyStoredSettings(game, configure, log)).toEqual([]);
    expect(current().initialReconnectionDelay).toBe(60_000);
    expect(current().maxReconnectionDelay).toBe(120_000);
    expect(log).not.toHaveBeenCalled();
  });

  it("with nothing stored, leave the defaults in force", () => {
    const { game } = fakeGame();
    const { configure, current } = configurable();
    registerSettings(game, configure);
    expect(applyStoredSettings(game, configure, vi.fn())).toEqual([]);
    expect(current()).toEqual(DEFAULT_CONFIG);
  });
});

describe("registerSettings", () => {
  it("registers one setting per option with its scope, and a refused change is reported", async () => {
    const { game, registered } = fakeGame();
    const { configure, current } = configurable();
    registerSettings(game, configure);
    for (const [key, scope] of Object.entries(SETTING_SCOPES)) {
      expect(registered.get(`socket-manager.${key}`)?.scope).toBe(scope);
    }
    await game.settings.set("socket-manager", "batchSize", 33);
    expect(current().batchSize).toBe(33);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    await game.settings.set("socket-manager", "batchSize", 0.5);
    expect(current().batchSize).toBe(33);
    expect(error).toHaveBeenCalledTimes(1);
  });
});

describe("registerInterface", () => {
  it("registers the client indicator setting, the settings-menu button and the keybinding", () => {
    const { game, registered, menus, keybindings } = fakeGame();
    const ui = { statusWindow: class {}, open: vi.fn(), showIndicator: vi.fn() };
    registerInterface(game, ui);

    const setting = registered.get("socket-manager.showIndicator");
    expect(setting).toMatchObject({ scope: "client", config: true, type: Boolean, default: true });
    setting?.onChange?.(false);
    expect(ui.showIndicator).toHaveBeenLastCalledWith(false);
    setting?.onChange?.(true);
    expect(ui.showIndicator).toHaveBeenLastCalledWith(true);

    expect(menus.get("socket-manager.status")).toMatchObject({
      icon: "fas fa-network-wired",
      type: ui.statusWindow,
      restricted: false,
      name: "SOCKET_MANAGER.Menu.Status.Name",
      label: "SOCKET_MANAGER.Menu.Status.Label",
    });

    expect(keybindings).toHaveLength(1);
    const binding = keybindings[0]!;
    expect(binding.action).toBe("openStatus");
    expect(binding.config.editable).toEqual([{ key: "KeyS", modifiers: ["Control", "Shift"] }]);
    expect(binding.config.onDown()).toBe(true);
    expect(ui.open).toHaveBeenCalledTimes(1);
  });

  it("registers no menu button without a window class", () => {
    const { game, menus } = fakeGame();
    registerInterface(game, { statusWindow: null, open: vi.fn(), showIndicator: vi.fn() });
    expect(menus.size).toBe(0);
    expect(game.settings.registerMenu).not.toHaveBeenCalled();
  });

  it("reads the indicator setting, defaulting to shown", async () => {
    const { game } = fakeGame();
    expect(indicatorVisible(game)).toBe(true);
    registerInterface(game, { statusWindow: null, open: vi.fn(), showIndicator: vi.fn() });
    expect(indicatorVisible(game)).toBe(true);
    await game.settings.set("socket-manager", "showIndicator", false);
    expect(indicatorVisible(game)).toBe(false);
  });
});
