import { type FoundryGlobalScope, globals } from "./globals";
import type { FoundryEnv, FoundryUsers, NotifyLevel, SocketlibSocket } from "./types";

const EMPTY_USERS: FoundryUsers = {
  get: () => undefined,
  [Symbol.iterator]: () => [][Symbol.iterator](),
  activeGM: null,
};

/** The registration made at `socketlib.ready`, or why it did not happen. */
export interface SocketlibRegistration {
  socket: SocketlibSocket | null;
}

/**
 * A FoundryEnv that reads Foundry's globals from `scope()` on every access: `game.users` appears only at
 * `setup` and `ui` after it (docs/FOUNDRY.md), so nothing may be captured earlier.
 */
export function envFromScope(scope: () => FoundryGlobalScope, socketlib: SocketlibRegistration): FoundryEnv {
  const g = scope;
  return {
    get userId() {
      return g().game?.userId ?? "";
    },
    get users() {
      return g().game?.users ?? EMPTY_USERS;
    },
    get usersLoaded() {
      return g().game?.users != null;
    },
    get socket() {
      return g().game?.socket ?? null;
    },
    get hooks() {
      const hooks = g().Hooks;
      if (!hooks) throw new Error("Socket Manager | Foundry's Hooks are not available");
      return hooks;
    },
    get settings() {
      return g().game?.settings ?? null;
    },
    get socketlib() {
      return { active: g().game?.modules.get("socketlib")?.active === true, socket: socketlib.socket };
    },
    notify(level: NotifyLevel, message: string) {
      const notes = g().ui?.notifications;
      if (notes) notes[level](message);
      else console[level === "info" ? "info" : level](`Socket Manager | ${message}`);
    },
    localize(key, data) {
      const i18n = g().game?.i18n;
      if (!i18n) return key;
      return data ? i18n.format(key, data) : i18n.localize(key);
    },
  };
}

/** A FoundryEnv over the live Foundry globals. */
export function fromGlobals(socketlib: SocketlibRegistration): FoundryEnv {
  return envFromScope(globals, socketlib);
}
