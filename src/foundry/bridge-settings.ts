/**
 * The bridge's two settings: the backend's URL (world: a GM sets it, and setting it is what turns the bridge
 * on) and the token (client: Foundry keeps it in this browser only; shown in the settings window to GMs only).
 */
import { MODULE_ID } from "../contract/ids";
import type { FoundryGame } from "./globals";

export const BRIDGE_URL_SETTING = "bridgeUrl";
export const BRIDGE_TOKEN_SETTING = "bridgeToken";

/** Registers the URL at `init`; the token at `setup`, once Foundry knows whether this user is a GM. */
export function registerBridgeUrlSetting(game: FoundryGame, changed: () => void): void {
  game.settings.register(MODULE_ID, BRIDGE_URL_SETTING, {
    name: "SOCKET_MANAGER.Settings.bridgeUrl.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeUrl.Hint",
    scope: "world",
    config: true,
    type: String,
    default: "",
    onChange: () => changed(),
  });
}

export function registerBridgeTokenSetting(game: FoundryGame, isGM: boolean, changed: () => void): void {
  game.settings.register(MODULE_ID, BRIDGE_TOKEN_SETTING, {
    name: "SOCKET_MANAGER.Settings.bridgeToken.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeToken.Hint",
    scope: "client",
    config: isGM,
    type: String,
    default: "",
    onChange: () => changed(),
  });
}

/** A string setting's value, "" when it is missing or not registered yet. */
export function readStringSetting(game: FoundryGame | undefined, key: string): string {
  try {
    const value = game?.settings.get(MODULE_ID, key);
    return typeof value === "string" ? value.trim() : "";
  } catch {
    return "";
  }
}

/**
 * The bridge's built-in world operations (docs/BRIDGE.md, "World operations"): one world setting each, off by
 * default, so a GM turns on exactly what the backend may do, and sees each one named in the settings window.
 */
export const WORLD_OPERATION_SETTINGS = {
  "actors.create": {
    key: "bridgeOpActorsCreate",
    name: "SOCKET_MANAGER.Settings.bridgeOpActorsCreate.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpActorsCreate.Hint",
  },
  "actors.get": {
    key: "bridgeOpActorsGet",
    name: "SOCKET_MANAGER.Settings.bridgeOpActorsGet.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpActorsGet.Hint",
  },
  "actors.delete": {
    key: "bridgeOpActorsDelete",
    name: "SOCKET_MANAGER.Settings.bridgeOpActorsDelete.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpActorsDelete.Hint",
  },
  "actors.list": {
    key: "bridgeOpActorsList",
    name: "SOCKET_MANAGER.Settings.bridgeOpActorsList.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpActorsList.Hint",
  },
  "items.search": {
    key: "bridgeOpItemsSearch",
    name: "SOCKET_MANAGER.Settings.bridgeOpItemsSearch.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpItemsSearch.Hint",
  },
  "items.get": {
    key: "bridgeOpItemsGet",
    name: "SOCKET_MANAGER.Settings.bridgeOpItemsGet.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpItemsGet.Hint",
  },
  "journals.create": {
    key: "bridgeOpJournalsCreate",
    name: "SOCKET_MANAGER.Settings.bridgeOpJournalsCreate.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpJournalsCreate.Hint",
  },
  "scenes.create": {
    key: "bridgeOpScenesCreate",
    name: "SOCKET_MANAGER.Settings.bridgeOpScenesCreate.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpScenesCreate.Hint",
  },
  "files.list": {
    key: "bridgeOpFilesList",
    name: "SOCKET_MANAGER.Settings.bridgeOpFilesList.Name",
    hint: "SOCKET_MANAGER.Settings.bridgeOpFilesList.Hint",
  },
} as const;

export type WorldOperationKind = keyof typeof WORLD_OPERATION_SETTINGS;

/** Registers one boolean world setting per operation (at `init`); `changed` runs on every change. */
export function registerWorldOperationSettings(game: FoundryGame, changed: () => void): void {
  for (const setting of Object.values(WORLD_OPERATION_SETTINGS)) {
    game.settings.register(MODULE_ID, setting.key, {
      name: setting.name,
      hint: setting.hint,
      scope: "world",
      config: true,
      type: Boolean,
      default: false,
      onChange: () => changed(),
    });
  }
}

/** Whether a GM turned the operation on; false when unknown or not registered yet. */
export function worldOperationEnabled(game: FoundryGame | undefined, kind: string): boolean {
  const setting = Object.hasOwn(WORLD_OPERATION_SETTINGS, kind)
    ? WORLD_OPERATION_SETTINGS[kind as WorldOperationKind]
    : undefined;
  if (!setting || !game) return false;
  try {
    return game.settings.get(MODULE_ID, setting.key) === true;
  } catch {
    return false;
  }
}
