/**
 * An embedded instance runs the same code as the module on the consumer's own socket event, settings
 * namespace and hook names: the environment it is given renames Socket Manager's (`module.socket-manager`,
 * the "socket-manager" namespace, `socket-manager.*` hooks) to the consumer's as they pass.
 */
import { MODULE_ID } from "../contract/ids";
import type { FoundryEnv, FoundryHooks, FoundrySettingsStore, FoundrySocket } from "../foundry/types";
import { SOCKET_EVENT } from "../transports/transport";

export interface Rename {
  /** The consumer's event: `module.<id>` or `system.<id>`. */
  event: string;
  /** The consumer's package id: its settings namespace and the prefix of its hooks. */
  id: string;
}

const HOOK_PREFIX = `${MODULE_ID}.`;

/** `socket-manager.ready` → `<id>.socket-manager.ready`: listeners of the module's hooks never hear it. */
export function renamedHook(name: string, id: string): string {
  return name.startsWith(HOOK_PREFIX) ? `${id}.${name}` : name;
}

export function renamedSocket(socket: FoundrySocket, event: string): FoundrySocket {
  const name = (e: string) => (e === SOCKET_EVENT ? event : e);
  return {
    get connected() {
      return socket.connected;
    },
    get io() {
      return socket.io;
    },
    emit: (e, ...args) => socket.emit(name(e), ...args),
    on: (e, fn) => socket.on(name(e), fn),
    off: (e, fn) => socket.off(name(e), fn),
  };
}

function renamedSettings(store: FoundrySettingsStore, id: string): FoundrySettingsStore {
  const ns = (n: string) => (n === MODULE_ID ? id : n);
  return {
    register: (n, key, config) => store.register(ns(n), key, config),
    get: (n, key) => store.get(ns(n), key),
    set: (n, key, value) => store.set(ns(n), key, value),
  };
}

function renamedHooks(hooks: FoundryHooks, id: string): FoundryHooks {
  return {
    on: (n, fn) => hooks.on(renamedHook(n, id), fn),
    once: (n, fn) => hooks.once(renamedHook(n, id), fn),
    off: (n, fn) => hooks.off(renamedHook(n, id), fn),
    callAll: (n, ...args) => hooks.callAll(renamedHook(n, id), ...args),
  };
}

/** `env` with the consumer's names; socketlib is never used (the consumer's event is its own). */
export function renamedEnv(env: FoundryEnv, rename: Rename): FoundryEnv {
  // One wrapper per socket: code that compares sockets sees the same object while Foundry's stays the same.
  let last: { socket: FoundrySocket; renamed: FoundrySocket } | null = null;
  return {
    get userId() {
      return env.userId;
    },
    get users() {
      return env.users;
    },
    get usersLoaded() {
      return env.usersLoaded;
    },
    get socket() {
      const socket = env.socket;
      if (!socket) return null;
      if (last?.socket !== socket) last = { socket, renamed: renamedSocket(socket, rename.event) };
      return last.renamed;
    },
    get hooks() {
      return renamedHooks(env.hooks, rename.id);
    },
    get settings() {
      const store = env.settings;
      return store ? renamedSettings(store, rename.id) : store;
    },
    socketlib: { active: false, socket: null },
    notify: (level, message) => env.notify(level, message),
    localize: (key, data) => env.localize(key, data),
  };
}
