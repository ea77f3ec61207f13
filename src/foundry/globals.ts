/**
 * The Foundry globals Socket Manager reads, declared from public documentation. Only this folder and
 * src/index.ts may touch them.
 */
import type { FoundryApplicationsApi } from "./applications";
import type { FoundryHooks, FoundrySocket, FoundryUser, FoundryUsers, SocketlibGlobal } from "./types";

export interface SettingConfig {
  name?: string;
  hint?: string;
  scope: "world" | "client" | "user";
  config: boolean;
  type?: typeof Number | typeof Boolean | typeof String | typeof Object;
  default: unknown;
  choices?: Record<string, string>;
  range?: { min: number; max: number; step: number };
  requiresReload?: boolean;
  onChange?: (value: unknown) => void;
}

/** A type alias, not an interface, so it also fits registries typed with an index signature. */
export type SettingMenuConfig = {
  name: string;
  label: string;
  hint?: string;
  icon?: string;
  type: unknown;
  restricted: boolean;
};

export interface FoundryGame {
  readonly userId: string;
  /** null until Foundry builds the world's documents, just before `setup`. */
  readonly user: FoundryUser | null;
  /** Absent during `init` and `i18nInit`: Foundry creates it just before `setup`. */
  readonly users?: FoundryUsers;
  readonly socket: FoundrySocket | null;
  /** The world's id (the bridge names the world to its backend with it). */
  readonly world?: { readonly id: string };
  readonly modules: { get(id: string): { active: boolean; socket?: boolean; api?: unknown } | undefined };
  /** The world's system; `socket` is its manifest's `"socket": true`. */
  readonly system?: { readonly id: string; readonly socket?: boolean };
  /** True once Foundry reached the `ready` hook. */
  readonly ready?: boolean;
  readonly settings: {
    register(ns: string, key: string, config: SettingConfig): void;
    get(ns: string, key: string): unknown;
    set(ns: string, key: string, value: unknown): Promise<unknown>;
    /** A button in Foundry's settings window that opens `type` (an application class). */
    registerMenu?(ns: string, key: string, config: SettingMenuConfig): void;
  };
  readonly i18n: {
    localize(key: string): string;
    format(key: string, data?: Record<string, unknown>): string;
  };
  readonly keybindings?: {
    register(
      ns: string,
      action: string,
      config: {
        name: string;
        hint?: string;
        editable: { key: string; modifiers?: string[] }[];
        onDown: () => boolean | undefined;
        restricted?: boolean;
      },
    ): void;
  };
}

export interface FoundryUi {
  notifications?: {
    info(message: string, options?: { permanent?: boolean }): unknown;
    warn(message: string, options?: { permanent?: boolean }): unknown;
    error(message: string, options?: { permanent?: boolean }): unknown;
  };
}

export interface FoundryGlobalScope {
  game?: FoundryGame;
  Hooks?: FoundryHooks;
  /** Built by Foundry after `setup`, before `ready`. */
  ui?: FoundryUi;
  /** Set by socketlib during its own `init`. */
  socketlib?: SocketlibGlobal;
  foundry?: { applications?: { api?: FoundryApplicationsApi } };
  document?: Document;
  /** Where the bundle puts its API besides `game.modules`; set in `init`. */
  SocketManager?: unknown;
}

export function globals(): FoundryGlobalScope {
  return globalThis as unknown as FoundryGlobalScope;
}
