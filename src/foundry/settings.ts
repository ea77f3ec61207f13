import { type Config, DEFAULT_CONFIG } from "../config";
import type { FoundryGame } from "./globals";

const NS = "socket-manager";

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
    game.settings.register(NS, key, {
      name: `SOCKET_MANAGER.Settings.${key}.Name`,
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
          console.error(`Socket Manager | setting ${key} was refused:`, e);
        }
      },
    });
  }
}

/** Reads every stored setting; values that fail validation are reported and left at their defaults. */
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
