/**
 * Foundry entry point: hooks, settings, API exposure. Everything else lives behind a FoundryEnv.
 */
import { createApi } from "./api";
import { fromGlobals, type SocketlibRegistration } from "./foundry/env";
import { globals } from "./foundry/globals";
import { readSettings, registerSettings } from "./foundry/settings";
import { MODULE_ID, SocketManager } from "./manager";
import type { Api } from "./types";

declare const __SOCKET_MANAGER_VERSION__: string;
const VERSION = typeof __SOCKET_MANAGER_VERSION__ === "string" ? __SOCKET_MANAGER_VERSION__ : "0.0.0-dev";

const registration: SocketlibRegistration = { socket: null };
let manager: SocketManager | null = null;
let api: Api | null = null;

const Hooks = globals().Hooks;

// socketlib fires this during its own init, so the listener must exist at module top level.
Hooks?.once("socketlib.ready", () => {
  try {
    registration.socket = globals().socketlib?.registerModule(MODULE_ID) ?? null;
  } catch (e) {
    console.warn("Socket Manager | socketlib registration failed; Foundry's native socket will be used", e);
  }
});

Hooks?.once("init", () => {
  const game = globals().game;
  manager = new SocketManager({ env: fromGlobals(registration), version: VERSION });
  api = createApi(manager);
  const module = game?.modules.get(MODULE_ID);
  if (module) module.api = api;
  (globalThis as { SocketManager?: Api }).SocketManager = api;
  if (game) registerSettings(game, (patch) => manager?.configure(patch));
});

Hooks?.once("setup", () => {
  const game = globals().game;
  if (!game || !manager) return;
  const stored = readSettings(game);
  try {
    manager.configure(stored);
  } catch (e) {
    console.error("Socket Manager | stored settings were refused; defaults stay in force", e);
  }
});

Hooks?.once("ready", () => {
  try {
    manager?.start();
  } catch (e) {
    console.error("Socket Manager | could not start", e);
    globals().ui?.notifications?.error("Socket Manager could not start: see the console (F12).");
  }
});

export { api };
