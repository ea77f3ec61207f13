/**
 * Socket Manager's place in Foundry's start-up, as a function of the global scope it runs in (the page's
 * `globalThis` in Foundry; one object per simulated client in tests). Foundry's order (docs/FOUNDRY.md):
 * socketlib's `init` fires `socketlib.ready` → `init` → `i18nInit` → `setup` (users and settings are there)
 * → `ui` is built → recorded socket events are replayed → `ready`.
 */
import { createApi } from "./api";
import type { BridgeSocketConstructor } from "./bridge/host";
import { LazyBridge } from "./bridge/lazy";
import { loadBridgeWithOperations } from "./bridge/load";
import type { WorldOperationsHandle } from "./bridge/operations/index";
import type { Clock } from "./clock";
import type { Config } from "./config";
import { MODULE_ID } from "./contract/ids";
import type { Api } from "./contract/types";
import { createConsoleCommands } from "./debug/commands";
import {
  BRIDGE_TOKEN_SETTING,
  BRIDGE_URL_SETTING,
  readStringSetting,
  registerBridgeTokenSetting,
  registerBridgeUrlSetting,
  registerWorldOperationSettings,
  worldOperationEnabled,
} from "./foundry/bridge-settings";
import type { FoundryDocumentsScope } from "./foundry/documents";
import { envFromScope, type SocketlibRegistration } from "./foundry/env";
import type { FoundryGlobalScope } from "./foundry/globals";
import {
  applyStoredSettings,
  indicatorVisible,
  registerInterface,
  registerSettings,
} from "./foundry/settings";
import type { Logger } from "./log";
import { SocketManager } from "./manager";
import { registerFrameHandler } from "./transports/socketlib";
import { createIndicator, followPlayersList, type Indicator } from "./ui/indicator";
import { createStatusLauncher } from "./ui/status-launcher";

export interface InstallOptions {
  version: string;
  /** Overrides on top of the defaults and the stored settings (tests). */
  config?: Partial<Config>;
  clock?: Clock;
  logger?: Logger;
  /** The WebSocket class the bridge uses (default: the page's `WebSocket`; Node tests pass `ws`'s). */
  webSocket?: BridgeSocketConstructor;
}

/** What `installSocketManager` built, once its hooks ran. */
export interface Installation {
  readonly manager: SocketManager | null;
  readonly api: Api | null;
}

/**
 * Adds Socket Manager's hooks to `scope.Hooks`. Must run when the module file loads (before `init`): socketlib
 * announces itself during its own `init`, before ours.
 */
export function installSocketManager(scope: FoundryGlobalScope, opts: InstallOptions): Installation {
  const registration: SocketlibRegistration = { socket: null };
  const env = envFromScope(() => scope, registration);
  const state: { manager: SocketManager | null; api: Api | null; bridge: LazyBridge | null } = {
    manager: null,
    api: null,
    bridge: null,
  };
  let indicator: Indicator | null = null;
  /** The bridge's world operations, once the bridge's chunk loaded on this client. */
  let operations: WorldOperationsHandle | null = null;
  let open = () => {};
  const Hooks = scope.Hooks;

  // Registered at once, during init: socketlib raises an unhandled error for every frame that arrives for a
  // handler name not registered yet, and other clients may already be sending.
  Hooks?.once("socketlib.ready", () => {
    try {
      const socket = scope.socketlib?.registerModule(MODULE_ID) ?? null;
      if (socket) registerFrameHandler(socket);
      registration.socket = socket;
    } catch (e) {
      console.warn("Socket Manager | socketlib registration failed; Foundry's native socket will be used", e);
    }
  });

  Hooks?.once("init", () => {
    const game = scope.game;
    const m = new SocketManager({
      env,
      version: opts.version,
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    const bridge = new LazyBridge(
      {
        clock: m.clock,
        log: m.log,
        limits: () => m.config,
        url: () => readStringSetting(scope.game, BRIDGE_URL_SETTING),
        token: () => readStringSetting(scope.game, BRIDGE_TOKEN_SETTING),
        // Only the active GM's client holds the connection; users exist from setup on.
        isAuthority: () => env.usersLoaded !== false && env.users.activeGM?.id === env.userId,
        hello: () => ({ world: scope.game?.world?.id ?? "", user: env.userId, module: opts.version }),
        socketClass: () =>
          opts.webSocket ?? (scope as { WebSocket?: BridgeSocketConstructor }).WebSocket ?? undefined,
        notify: (level, key) => env.notify(level, env.localize(key)),
      },
      loadBridgeWithOperations({
        scope: () => scope as FoundryDocumentsScope,
        isEnabled: (kind) => worldOperationEnabled(scope.game, kind),
        installed: (ops) => {
          operations = ops;
          m.onDispose(() => ops.dispose());
        },
      }),
    );
    state.bridge = bridge;
    m.onDispose(() => bridge.dispose());
    const a = createApi(m, bridge);
    state.manager = m;
    state.api = a;
    m.listen();
    const module = game?.modules.get(MODULE_ID);
    if (module) module.api = a;
    scope.SocketManager = a;

    const apps = scope.foundry?.applications?.api;
    const launcher = apps ? createStatusLauncher(apps, () => a, env.localize) : null;
    open = () => {
      if (launcher)
        launcher.open().catch((e: unknown) => console.error("Socket Manager | the status window failed", e));
      else console.warn("Socket Manager | the status window needs Foundry's ApplicationV2 (v12+)");
    };
    Object.assign(scope, createConsoleCommands(a, { console, openWindow: () => open() }));
    if (!game) return;
    registerSettings(game, (patch) => m.configure(patch));
    registerBridgeUrlSetting(game, () => bridge.refresh());
    registerWorldOperationSettings(game, () => operations?.refresh());
    registerInterface(game, {
      statusWindow: launcher?.Menu ?? null,
      open: () => open(),
      showIndicator: (visible) => indicator?.show(visible),
    });
  });

  Hooks?.once("setup", () => {
    const { game } = scope;
    const m = state.manager;
    if (!game || !m) return;
    applyStoredSettings(game, (patch) => m.configure(patch));
    if (opts.config) m.configure(opts.config);
    const bridge = state.bridge;
    if (bridge) {
      registerBridgeTokenSetting(game, game.user?.isGM === true, () => bridge.refresh());
      // The active GM changes as GMs come and go: the bridge follows it.
      Hooks?.on("userConnected", () => bridge.refresh());
    }
  });

  Hooks?.once("ready", () => {
    const { game, document } = scope;
    try {
      state.manager?.start();
      state.bridge?.refresh();
    } catch (e) {
      console.error("Socket Manager | could not start", e);
      scope.ui?.notifications?.error(env.localize("SOCKET_MANAGER.Notify.StartFailed"));
    }
    const api = state.api;
    if (api && game && document?.body) {
      indicator = createIndicator(document, api, env.localize, () => open());
      indicator.show(indicatorVisible(game));
      if (Hooks) followPlayersList(Hooks, document, indicator);
    }
  });

  return {
    get manager() {
      return state.manager;
    },
    get api() {
      return state.api;
    },
  };
}
