import { type Config, DEFAULT_CONFIG } from "../config";
import { errorMessage } from "../contract/errors";
import { MODULE_ID } from "../contract/ids";
import { type FoundryGame, globals } from "./globals";

const NS = MODULE_ID;
const LOG = "Socket Manager |";

/** Which options a GM (world) or each user (client) may change in Foundry's settings window. */
export const SETTING_SCOPES: { [K in keyof Config]: "world" | "client" } = {
  preferSocketLib: "world",
  fallbackToLocal: "world",
  batchSize: "world",
  batchTimeout: "world",
  maxMessageAge: "world",
  requestTimeout: "world",
  maxPayloadBytes: "world",
  maxFrameBytes: "world",
  outboxSize: "world",
  rateLimit: "world",
  rateBurst: "world",
  heartbeatInterval: "world",
  maxReconnectionAttempts: "world",
  initialReconnectionDelay: "world",
  maxReconnectionDelay: "world",
  enableDebugLogging: "client",
  logAllMessages: "client",
  performanceMonitoring: "client",
};

/** Options whose change only takes effect after a reload (the transport is chosen once). */
const NEEDS_RELOAD = new Set<keyof Config>(["preferSocketLib", "fallbackToLocal"]);

/** Registers one Foundry setting per option; a change is validated and applied through `configure`. */
export function registerSettings(game: FoundryGame, configure: (patch: Partial<Config>) => void): void {
  for (const key of Object.keys(SETTING_SCOPES) as (keyof Config)[]) {
    const fallback = DEFAULT_CONFIG[key];
    const name = `SOCKET_MANAGER.Settings.${key}.Name`;
    game.settings.register(NS, key, {
      name,
      hint: `SOCKET_MANAGER.Settings.${key}.Hint`,
      scope: SETTING_SCOPES[key],
      config: true,
      type: typeof fallback === "boolean" ? Boolean : Number,
      default: fallback,
      requiresReload: NEEDS_RELOAD.has(key),
      onChange: (value) => {
        try {
          configure({ [key]: value });
        } catch (e) {
          console.error(`${LOG} setting ${key} was refused:`, e);
          globals().ui?.notifications?.warn(
            game.i18n.format("SOCKET_MANAGER.Notify.SettingRefused", {
              name: game.i18n.localize(name),
              error: errorMessage(e),
            }),
          );
        }
      },
    });
  }
}

/** Reads every stored setting (unreadable ones are left out). */
export function readSettings(game: FoundryGame): Partial<Config> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_SCOPES)) {
    try {
      out[key] = game.settings.get(NS, key);
    } catch {
      // Not registered or not readable yet: keep the default.
    }
  }
  return out as Partial<Config>;
}

/**
 * Applies the stored settings key by key, so one bad value does not take the others down with it. Keys that
 * depend on each other (initialReconnectionDelay ≤ maxReconnectionDelay) are retried until nothing more
 * passes. Each refused key is logged and keeps its default; returns the refused keys.
 */
export function applyStoredSettings(
  game: FoundryGame,
  configure: (patch: Partial<Config>) => void,
  log: (...args: unknown[]) => void = console.error,
): string[] {
  let pending = Object.entries(readSettings(game));
  const errors = new Map<string, unknown>();
  for (let progress = true; progress && pending.length > 0; ) {
    progress = false;
    pending = pending.filter(([key, value]) => {
      try {
        configure({ [key]: value });
        progress = true;
        return false;
      } catch (e) {
        errors.set(key, e);
        return true;
      }
    });
  }
  for (const [key] of pending)
    log(`${LOG} stored setting ${key} was refused; its default stays`, errors.get(key));
  return pending.map(([key]) => key);
}

export interface InterfaceOptions {
  /** The status window class for the settings-menu button (none when ApplicationV2 is missing). */
  statusWindow: unknown;
  /** Opens the status window. */
  open(): void;
  /** The "show the connection indicator" setting changed. */
  showIndicator(visible: boolean): void;
}

/** The client's indicator setting, the settings-menu button and the keybinding (at `init`). */
export function registerInterface(game: FoundryGame, ui: InterfaceOptions): void {
  game.settings.register(NS, "showIndicator", {
    name: "SOCKET_MANAGER.Settings.showIndicator.Name",
    hint: "SOCKET_MANAGER.Settings.showIndicator.Hint",
    scope: "client",
    config: true,
    type: Boolean,
    default: true,
    onChange: (value) => ui.showIndicator(value !== false),
  });
  if (ui.statusWindow) {
    game.settings.registerMenu?.(NS, "status", {
      name: "SOCKET_MANAGER.Menu.Status.Name",
      label: "SOCKET_MANAGER.Menu.Status.Label",
      hint: "SOCKET_MANAGER.Menu.Status.Hint",
      icon: "fas fa-network-wired",
      type: ui.statusWindow,
      restricted: false,
    });
  }
  game.keybindings?.register(NS, "openStatus", {
    name: "SOCKET_MANAGER.Keybinding.OpenStatus.Name",
    hint: "SOCKET_MANAGER.Keybinding.OpenStatus.Hint",
    editable: [{ key: "KeyS", modifiers: ["Control", "Shift"] }],
    onDown: () => {
      ui.open();
      return true;
    },
  });
}

/** Whether this client shows the connection indicator (default true). */
export function indicatorVisible(game: FoundryGame): boolean {
  try {
    return game.settings.get(NS, "showIndicator") !== false;
  } catch {
    return true;
  }
}
