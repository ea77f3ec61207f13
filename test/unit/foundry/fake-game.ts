/** A minimal Foundry `game` for the settings and entry-point tests (settings, menus, keybindings, i18n). */
import { vi } from "vitest";
import type { FoundryGame, SettingConfig, SettingMenuConfig } from "../../../src/foundry/globals";
import { localize } from "../ui/fixtures";

export function fakeGame(stored: Record<string, unknown> = {}) {
  const registered = new Map<string, SettingConfig>();
  const menus = new Map<string, SettingMenuConfig>();
  const values = new Map(Object.entries(stored));
  const keybindings: {
    action: string;
    config: Parameters<NonNullable<FoundryGame["keybindings"]>["register"]>[2];
  }[] = [];
  const modules = new Map<string, { active: boolean; api?: unknown }>([["socket-manager", { active: true }]]);
  const game = {
    userId: "gm",
    user: null,
    users: { get: () => undefined, [Symbol.iterator]: () => [][Symbol.iterator](), activeGM: null },
    socket: null,
    modules,
    settings: {
      register: vi.fn((ns: string, key: string, config: SettingConfig) => {
        registered.set(`${ns}.${key}`, config);
      }),
      registerMenu: vi.fn((ns: string, key: string, config: SettingMenuConfig) => {
        menus.set(`${ns}.${key}`, config);
      }),
      get(ns: string, key: string): unknown {
        const config = registered.get(`${ns}.${key}`);
        if (!config) throw new Error(`"${ns}.${key}" is not a registered game setting`);
        return values.has(key) ? values.get(key) : config.default;
      },
      async set(ns: string, key: string, value: unknown) {
        const config = registered.get(`${ns}.${key}`);
        if (!config) throw new Error(`"${ns}.${key}" is not a registered game setting`);
        values.set(key, value);
        config.onChange?.(value);
        return value;
      },
    },
    i18n: {
      localize: (key: string) => localize(key),
      format: (key: string, data?: Record<string, unknown>) => localize(key, data),
    },
    keybindings: {
      register: vi.fn((_ns: string, action: string, config: (typeof keybindings)[number]["config"]) => {
        keybindings.push({ action, config });
      }),
    },
  } satisfies FoundryGame;
  return { game, registered, menus, keybindings, values };
}
