/**
 * Foundry entry point: hooks, settings, keybinding, API exposure, console commands, UI. Everything else
 * lives behind a FoundryEnv or receives what it needs as parameters.
 */
import { createApi } from "./api";
import { createConsoleCommands } from "./debug/commands";
import { fromGlobals, type SocketlibRegistration } from "./foundry/env";
import { globals } from "./foundry/globals";
import {
  applyStoredSettings,
  indicatorVisible,
  registerInterface,
  registerSettings,
} from "./foundry/settings";
import { MODULE_ID, SocketManager } from "./manager";
import type { Api } from "./types";
import { createIndicator, type Indicator } from "./ui/indicator";
import { createStatusWindowClass } from "./ui/status-window";

declare const __SOCKET_MANAGER_VERSION__: string;
const VERSION = typeof __SOCKET_MANAGER_VERSION__ === "string" ? __SOCKET_MANAGER_VERSION__ : "0.0.0-dev";

const registration: SocketlibRegistration = { socket: null };
const env = fromGlobals(registration);
let manager: SocketManager | null = null;
let api: Api | null = null;
let indicator: Indicator | null = null;
let open = () => {};

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
  const scope = globals();
  const game = scope.game;
  const m = new SocketManager({ env, version: VERSION });
  const a = createApi(m);
  manager = m;
  api = a;
  const module = game?.modules.get(MODULE_ID);
  if (module) module.api = a;
  (globalThis as { SocketManager?: Api }).SocketManager = a;

  const apps = scope.foundry?.applications?.api;
  const StatusWindow = apps ? createStatusWindowClass(apps, () => a, env.localize) : null;
  open = () => {
    if (StatusWindow) void new StatusWindow().render(true);
    else console.warn("Socket Manager | the status window needs Foundry's ApplicationV2 (v12+)");
  };
  Object.assign(scope, createConsoleCommands(a, { console, openWindow: () => open() }));
  if (!game) return;
  registerSettings(game, (patch) => m.configure(patch));
  registerInterface(game, {
    statusWindow: StatusWindow,
    open: () => open(),
    showIndicator: (visible) => indicator?.show(visible),
  });
});

Hooks?.once("setup", () => {
  const game = globals().game;
  if (game && manager) applyStoredSettings(game, (patch) => manager?.configure(patch));
});

Hooks?.once("ready", () => {
  const { game, document } = globals();
  try {
    manager?.start();
  } catch (e) {
    console.error("Socket Manager | could not start", e);
    globals().ui?.notifications?.error(env.localize("SOCKET_MANAGER.Notify.StartFailed"));
  }
  if (api && game && document?.body) {
    indicator = createIndicator(document, api, env.localize, () => open());
    indicator.show(indicatorVisible(game));
  }
});

export { api };
