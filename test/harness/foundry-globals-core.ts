/**
 * Browser-safe core of test/harness/foundry-globals.ts (no `node:` imports: the browser sandbox in
 * demo/sandbox/ bundles it for its frames). Node code should import test/harness/foundry-globals.ts, which
 * re-exports all of this and defaults `lang` to the repository's lang/en.json.
 *
 * Installs the Foundry globals the built bundle reads (see src/foundry/globals.ts) over one SimClient, each
 * when Foundry has it (docs/FOUNDRY.md): `game` and `Hooks` at once, but `game.users` and `game.user` only
 * from `setup`, `ui` only after `setup`, and `socketlib` (when asked) during `init`, where socketlib's own
 * `init` handler sets it and fires `socketlib.ready` before any dependent module's `init` handler. The bundle
 * adds its `Hooks.once("socketlib.ready")` listener at module top level, so the order is:
 *
 *   const foundry = installFoundryGlobals(client, { socketlib: true });
 *   await import(bundleUrl);        // after installing, before boot
 *   await foundry.boot();           // init → (socketlib.ready) → i18nInit → setup → ready
 *   const api = foundry.api();
 *
 * Only one bundle instance can live per JS realm (it reads globals), so give each simulated client that runs
 * the built bundle its own process (see demo/client-process.ts) or its own browser frame (demo/sandbox/).
 */

import type { Api } from "../../src/contract/types";
import type { FoundryGame, FoundryUi, SettingConfig } from "../../src/foundry/globals";
import type { FoundryHooks, NotifyLevel } from "../../src/foundry/types";
import { reached, type SimClient } from "./client-core";
import type { SimWorldDocuments } from "./foundry-documents";

const MODULE_ID = "socket-manager";
const GLOBAL_KEYS = ["game", "Hooks", "ui", "socketlib", "SocketManager"] as const;

export interface FoundryGlobalsOptions {
  /** Where the globals go (default `globalThis`). The bundle itself always reads `globalThis`. */
  scope?: object;
  /** Mark socketlib active and install a `socketlib` global over the client's simulated socketlib. */
  socketlib?: boolean;
  /**
   * Stored setting values, as Foundry keeps them: `"namespace.key"`, or a bare `"key"` for
   * `socket-manager.key`. A stored value wins over the registered default.
   */
  settings?: Record<string, unknown>;
  /**
   * Translations (nested, like lang/en.json). Default here: none (keys come back as keys); the node entry
   * test/harness/foundry-globals.ts defaults to the repository's lang/en.json.
   */
  lang?: Record<string, unknown>;
  /** Called for every `ui.notifications` call, after it is recorded in `client.notifications`. */
  onNotify?: (level: NotifyLevel, message: string) => void;
  /**
   * Simulated documents (test/harness/foundry-documents.ts): `CONFIG`, `fromUuid` and the FilePicker at once,
   * `game.actors`/`items`/`journal`/`scenes`/`packs` from `setup`, as Foundry has them.
   */
  documents?: SimWorldDocuments;
  /** Whether the Socket Manager module is installed and active in this world (default true). */
  socketManager?: boolean;
  /** Other modules of the world (`game.modules`), e.g. one that bundles the library. */
  modules?: readonly Omit<ModuleEntry, "api">[];
  /** The world's system (`game.system`; default a system without a socket). */
  system?: { id: string; socket?: boolean };
}

/** One `game.settings.registerMenu` call. */
export interface SettingMenuRegistration {
  name?: string;
  label?: string;
  hint?: string;
  icon?: string;
  type?: unknown;
  restricted?: boolean;
  [key: string]: unknown;
}

export interface ModuleEntry {
  readonly id: string;
  readonly title: string;
  active: boolean;
  /** The manifest's `"socket": true`. */
  socket?: boolean;
  api?: unknown;
}

export interface KeybindingRegistration {
  namespace: string;
  action: string;
  config: Parameters<NonNullable<FoundryGame["keybindings"]>["register"]>[2];
}

export interface SettingChange {
  key: string;
  value: unknown;
}

/** Foundry's `game`, as installed: the typed surface plus what a test wants to inspect. */
export interface SimGame extends FoundryGame {
  ready: boolean;
  readonly modules: Map<string, ModuleEntry>;
  readonly settings: SimSettings;
  readonly keybindings: { register: NonNullable<FoundryGame["keybindings"]>["register"] };
}

export interface SimSettings {
  register(ns: string, key: string, config: SettingConfig): void;
  /** Foundry's settings-window button that opens an application (`type`). */
  registerMenu(ns: string, key: string, config: SettingMenuRegistration): void;
  /** `"ns.key"` → menu registration. */
  readonly menus: ReadonlyMap<string, SettingMenuRegistration>;
  get(ns: string, key: string): unknown;
  set(ns: string, key: string, value: unknown): Promise<unknown>;
  /** `"ns.key"` → registration. */
  readonly registered: ReadonlyMap<string, SettingConfig>;
  /** Every successful `set`, in order. */
  readonly changes: readonly SettingChange[];
}

export interface FoundryGlobalsHandle {
  readonly scope: object;
  readonly game: SimGame;
  readonly hooks: FoundryHooks;
  readonly ui: Required<FoundryUi>;
  /** Every `game.keybindings.register` call, in order. */
  readonly keybindings: readonly KeybindingRegistration[];
  /** Hooks fired by `boot`, in order (e.g. to prove socketlib.ready came right after init). */
  readonly booted: readonly string[];
  /** `init` → (`socketlib.ready`) → `i18nInit` → `setup` → `ready`. Once only. */
  boot(): Promise<void>;
  /** `game.modules.get("socket-manager").api` (undefined before `init`). */
  api(): Api | undefined;
  /** Restores (or deletes) every global this installed, and `SocketManager` set by the bundle. */
  uninstall(): void;
}

function lookup(tree: Record<string, unknown>, key: string): string | undefined {
  // Foundry first tries the key as one flat property, then as a dotted path.
  const flat = Object.hasOwn(tree, key) ? tree[key] : undefined;
  if (typeof flat === "string") return flat;
  let node: unknown = tree;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string" ? node : undefined;
}

function createSettings(stored: Record<string, unknown>): SimSettings {
  const registered = new Map<string, SettingConfig>();
  const menus = new Map<string, SettingMenuRegistration>();
  const values = new Map<string, unknown>();
  const changes: SettingChange[] = [];
  for (const [k, v] of Object.entries(stored)) values.set(k.includes(".") ? k : `${MODULE_ID}.${k}`, v);

  const assertRegistered = (ns: string, key: string): SettingConfig => {
    const config = registered.get(`${ns}.${key}`);
    // Foundry's ClientSettings: `"ns.key" is not a registered game setting`.
    if (!config) throw new Error(`"${ns}.${key}" is not a registered game setting`);
    return config;
  };

  return {
    registered,
    menus,
    changes,
    register(ns, key, config) {
      if (!ns || !key) throw new Error("You must specify both namespace and key portions of the setting");
      registered.set(`${ns}.${key}`, { ...config });
    },
    registerMenu(ns, key, config) {
      if (!ns || !key) throw new Error("You must specify both namespace and key portions of the menu");
      menus.set(`${ns}.${key}`, { ...config });
    },
    get(ns, key) {
      const config = assertRegistered(ns, key);
      const id = `${ns}.${key}`;
      return values.has(id) ? values.get(id) : config.default;
    },
    async set(ns, key, value) {
      const config = assertRegistered(ns, key);
      const id = `${ns}.${key}`;
      // Foundry stores settings as JSON: anything that does not survive a round trip is refused.
      const json = JSON.stringify(value);
      if (json === undefined) throw new Error(`setting "${id}" must be JSON-serialisable`);
      const clean: unknown = JSON.parse(json);
      values.set(id, clean);
      changes.push({ key: id, value: clean });
      config.onChange?.(clean);
      return clean;
    },
  };
}

/** Puts Foundry's globals for `client` onto `opts.scope` (default `globalThis`). */
export function installFoundryGlobals(
  client: SimClient,
  opts: FoundryGlobalsOptions = {},
): FoundryGlobalsHandle {
  const scope = (opts.scope ?? globalThis) as Record<string, unknown>;
  const lang = opts.lang ?? {};
  const keybindings: KeybindingRegistration[] = [];
  const booted: string[] = [];
  const hooks = client.hooks;

  const previous = new Map<string, PropertyDescriptor | undefined>();
  for (const key of GLOBAL_KEYS) previous.set(key, Object.getOwnPropertyDescriptor(scope, key));
  const previousGlobalApi = Object.getOwnPropertyDescriptor(globalThis, "SocketManager");

  const modules = new Map<string, ModuleEntry>([
    ["socketlib", { id: "socketlib", title: "socketlib", active: opts.socketlib === true, socket: true }],
  ]);
  if (opts.socketManager !== false)
    modules.set(MODULE_ID, {
      id: MODULE_ID,
      title: "Socket Manager",
      active: true,
      socket: true,
      api: undefined,
    });
  for (const m of opts.modules ?? []) modules.set(m.id, { ...m });

  const i18n = {
    lang: "en",
    translations: lang,
    has(key: string): boolean {
      return lookup(lang, key) !== undefined;
    },
    localize(key: string): string {
      return lookup(lang, key) ?? key;
    },
    format(key: string, data: Record<string, unknown> = {}): string {
      return (lookup(lang, key) ?? key).replace(/\{([^}]+)\}/g, (whole, name: string) =>
        Object.hasOwn(data, name) ? String(data[name]) : whole,
      );
    },
  };

  const game: SimGame = {
    ready: false,
    get userId() {
      return client.user.id;
    },
    get user() {
      return reached(client.phase, "setup") ? client.user : null;
    },
    get users() {
      return reached(client.phase, "setup") ? client.users : undefined;
    },
    get socket() {
      return client.socket as unknown as FoundryGame["socket"];
    },
    world: { id: "harness-world" },
    system: Object.freeze({ id: opts.system?.id ?? "harness-system", socket: opts.system?.socket === true }),
    modules,
    settings: createSettings(opts.settings ?? {}),
    i18n,
    keybindings: {
      register(namespace, action, config) {
        keybindings.push({ namespace, action, config });
      },
    },
  };

  const notify =
    (level: "info" | "warn" | "error") =>
    (message: string, _options?: { permanent?: boolean }): number => {
      client.notifications.push({ level, message });
      opts.onNotify?.(level, message);
      return client.notifications.length;
    };
  const ui: Required<FoundryUi> = {
    notifications: { info: notify("info"), warn: notify("warn"), error: notify("error") },
  };

  scope.game = game;
  scope.Hooks = hooks;
  delete scope.ui;
  delete scope.socketlib;
  let installed = true;
  const offDocuments = opts.documents?.install(scope, game, () => reached(client.phase, "setup"));
  const offPhase = client.onPhase((phase) => {
    if (!installed) return;
    if (phase !== "ui") booted.push(phase);
    // Foundry builds `ui` (notifications included) after `setup`, before `ready`.
    if (phase === "ui") scope.ui = ui;
  });
  if (opts.socketlib) {
    const sim = client.socketlib;
    if (!sim) throw new Error("installFoundryGlobals: socketlib requested but the SimClient has none");
    // socketlib's own module file: its init handler is added before any dependent's (it loads first).
    hooks.once("init", () => {
      scope.socketlib = {
        errors: sim.errors,
        registerModule(id: string) {
          const module = modules.get(id);
          if (!module?.active) {
            console.error(
              `socketlib | Someone tried to register module '${id}', but no module with that name is active. As a result the registration request has been ignored.`,
            );
            return undefined;
          }
          if (!module.socket) {
            console.error(
              `socketlib | Failed to register socket for module '${id}'. Please set '"socket":true' in your manifest and restart foundry.`,
            );
            return undefined;
          }
          return sim.registerModule(id);
        },
      };
      booted.push("socketlib.ready");
      hooks.callAll("socketlib.ready");
    });
  }

  let bootStarted = false;

  return {
    scope,
    game,
    hooks,
    ui,
    keybindings,
    booted,
    async boot() {
      if (!installed) throw new Error("boot: the globals were uninstalled");
      if (bootStarted) throw new Error("boot: already booted");
      bootStarted = true;
      const offReady = client.onPhase((phase) => {
        if (phase === "ready") game.ready = true;
      });
      try {
        await client.boot();
      } finally {
        offReady();
      }
    },
    api() {
      return modules.get(MODULE_ID)?.api as Api | undefined;
    },
    uninstall() {
      if (!installed) return;
      installed = false;
      offPhase();
      offDocuments?.();
      for (const [key, descriptor] of previous) {
        if (descriptor) Object.defineProperty(scope, key, descriptor);
        else delete scope[key];
      }
      // The bundle always writes SocketManager on globalThis.
      if (scope !== globalThis) {
        if (previousGlobalApi) Object.defineProperty(globalThis, "SocketManager", previousGlobalApi);
        else delete (globalThis as Record<string, unknown>).SocketManager;
      }
    },
  };
}
