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
