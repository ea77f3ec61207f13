/**
 * The bridge's settings: the backend's URL (world: a GM sets it, and setting it is what turns the bridge on),
 * the token (client: Foundry keeps it in this browser only; shown in the settings window to GMs only), and
 * one switch per built-in world operation.
 */
import { MODULE_ID } from "../contract/ids";
import type { FoundryGame } from "./globals";

export const BRIDGE_URL_SETTING = "bridgeUrl";
export const BRIDGE_TOKEN_SETTING = "bridgeToken";

/** One setting, named and described in lang/en.json under `SOCKET_MANAGER.Settings.<key>`. */
function register(
  game: FoundryGame,
  key: string,
  scope: "world" | "client",
  config: boolean,
  type: typeof String | typeof Boolean,
  changed: () => void,
): void {
  game.settings.register(MODULE_ID, key, {
    name: `SOCKET_MANAGER.Settings.${key}.Name`,
    hint: `SOCKET_MANAGER.Settings.${key}.Hint`,
    scope,
    config,
    type,
    default: type === Boolean ? false : "",
    onChange: () => changed(),
  });
}

/** Registers the URL at `init`; the token at `setup`, once Foundry knows whether this user is a GM. */
export function registerBridgeUrlSetting(game: FoundryGame, changed: () => void): void {
  register(game, BRIDGE_URL_SETTING, "world", true, String, changed);
}

export function registerBridgeTokenSetting(game: FoundryGame, isGM: boolean, changed: () => void): void {
  register(game, BRIDGE_TOKEN_SETTING, "client", isGM, String, changed);
}

/** A setting's value, undefined when it is missing or not registered yet. */
function read(game: FoundryGame | undefined, key: string): unknown {
  try {
    return game?.settings.get(MODULE_ID, key);
  } catch {
    return undefined;
  }
}

/** A string setting's value, "" when it is missing or not registered yet. */
export function readStringSetting(game: FoundryGame | undefined, key: string): string {
  const value = read(game, key);
  return typeof value === "string" ? value.trim() : "";
}

/**
 * The bridge's built-in world operations (docs/BRIDGE.md, "World operations"), in the settings window's
 * order: one world setting each, off by default, so a GM turns on exactly what the backend may do, and sees
 * each one named in the settings window.
 */
const WORLD_OPERATION_KINDS = [
  "actors.create",
  "actors.get",
  "actors.delete",
  "actors.list",
  "items.search",
  "items.get",
  "journals.create",
  "scenes.create",
  "files.list",
] as const;

export type WorldOperationKind = (typeof WORLD_OPERATION_KINDS)[number];

/** Each operation's setting key: "actors.create" → `bridgeOpActorsCreate`. */
export const WORLD_OPERATION_SETTINGS = Object.fromEntries(
  WORLD_OPERATION_KINDS.map((kind) => [
    kind,
    { key: `bridgeOp${kind.replace(/(?:^|\.)(\w)/g, (_, c: string) => c.toUpperCase())}` },
  ]),
) as Readonly<Record<WorldOperationKind, { readonly key: string }>>;

/** Registers one boolean world setting per operation (at `init`); `changed` runs on every change. */
export function registerWorldOperationSettings(game: FoundryGame, changed: () => void): void {
  for (const { key } of Object.values(WORLD_OPERATION_SETTINGS))
    register(game, key, "world", true, Boolean, changed);
}

/** Whether a GM turned the operation on; false when unknown or not registered yet. */
export function worldOperationEnabled(game: FoundryGame | undefined, kind: string): boolean {
  return (
    Object.hasOwn(WORLD_OPERATION_SETTINGS, kind) &&
    read(game, WORLD_OPERATION_SETTINGS[kind as WorldOperationKind].key) === true
  );
}
