// @vitest-environment happy-dom
/**
 * src/index.ts over simulated globals: what it registers at init, how it applies stored settings at setup,
 * and the indicator and status window it wires at ready.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Api } from "../../../src/contract/types";
import type { ConsoleCommands } from "../../../src/debug/commands";
import { installFoundryApplications } from "../../harness/foundry-app";
import { localize, ROOT } from "../ui/fixtures";
import { fakeGame } from "./fake-game";

type Fn = (...args: unknown[]) => unknown;
const hooks = new Map<string, Fn[]>();
const Hooks = {
  on(name: string, fn: Fn) {
    hooks.set(name, [...(hooks.get(name) ?? []), fn]);
    return 1;
  },
  once: (name: string, fn: Fn) => Hooks.on(name, fn),
  off: () => {},
  callAll(name: string, ...args: unknown[]) {
    for (const fn of hooks.get(name) ?? []) fn(...args);
    return true;
  },
};
const fake = fakeGame({ batchSize: 7, batchTimeout: "soon" });
const notifications = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const scope = globalThis as unknown as Record<string, unknown> & ConsoleCommands;
const errors = vi.spyOn(console, "error").mockImplementation(() => {});
vi.spyOn(console, "warn").mockImplementation(() => {});
const table = vi.spyOn(console, "table").mockImplementation(() => {});
vi.spyOn(console, "group").mockImplementation(() => {});

let api: Api;

beforeAll(async () => {
  Object.assign(scope, { game: fake.game, Hooks, ui: { notifications } });
  installFoundryApplications(scope, {
    loadTemplate: async (path) =>
      readFileSync(resolve(ROOT, path.replace(/^modules\/socket-manager\//, "")), "utf8"),
    localize,
  });
  await import("../../../src/index");
});

afterAll(() => {
  for (const key of ["game", "Hooks", "ui", "foundry", "SocketManager", "socketStatus", "socketMetrics"]) {
    delete scope[key];
  }
  vi.restoreAllMocks();
});

describe("src/index.ts", () => {
  it("init: exposes the API, installs the console commands, registers settings, menu and keybinding", () => {
    Hooks.callAll("init");
    api = fake.game.modules.get("socket-manager")?.api as Api;
    expect(api).toBeDefined();
    expect(scope.SocketManager).toBe(api);
    expect(fake.registered.has("socket-manager.batchSize")).toBe(true);
    expect(fake.registered.get("socket-manager.showIndicator")?.scope).toBe("client");
    expect(typeof fake.menus.get("socket-manager.status")?.type).toBe("function");
    expect(fake.keybindings.map((k) => k.action)).toEqual(["openStatus"]);
    for (const name of ["socketStatus", "socketMetrics", "socketEvents", "socketTest"] as const) {
      expect(typeof scope[name]).toBe("function");
    }
    // Before ready, the commands work and report the state.
    const { status, activeEvents } = scope.socketStatus();
    expect(status.state).toBe("initializing");
    expect(table).toHaveBeenCalledWith({ ...status, activeEvents });
  });

  it("setup: applies stored settings key by key, logging the refused one", () => {
    Hooks.callAll("setup");
    expect(api.config().batchSize).toBe(7);
    expect(api.config().batchTimeout).toBe(100);
    const refused = errors.mock.calls.filter((c) => String(c[0]).includes("batchTimeout"));
    expect(refused).toHaveLength(1);
  });

  it("ready: starts, shows the indicator, and the setting hides it live", async () => {
    Hooks.callAll("ready");
    const indicator = document.querySelector<HTMLElement>(".sm-indicator");
    expect(api.state).toBe("local-fallback");
    expect(indicator?.textContent).toBe("Local");
    expect(indicator?.hidden).toBe(false);
    await fake.game.settings.set("socket-manager", "showIndicator", false);
    expect(indicator?.hidden).toBe(true);
    await fake.game.settings.set("socket-manager", "showIndicator", true);
    expect(indicator?.hidden).toBe(false);
  });

  it("the keybinding, the indicator and socketStatus({ window: true }) open one status window", async () => {
    // The window is a chunk loaded on first use: load it before time is faked (a file read is real I/O).
    await import("../../../src/ui/status-window");
    vi.useFakeTimers();
    const windows = () => document.querySelectorAll("#socket-manager-status");
    expect(windows()).toHaveLength(0);
    expect(fake.keybindings[0]?.config.onDown()).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    expect(windows()).toHaveLength(1);
    document.querySelector<HTMLElement>(".sm-indicator")?.click();
    scope.socketStatus({ window: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(windows()).toHaveLength(1);
    expect(document.querySelector("#socket-manager-status .sm-state")?.textContent).toBe("Local");
    windows()[0]?.querySelector<HTMLElement>("[data-action='close']")?.click();
    await vi.advanceTimersByTimeAsync(10);
    expect(windows()).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
  });
});
