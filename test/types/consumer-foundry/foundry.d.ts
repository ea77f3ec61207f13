// biome-ignore-all lint: stands in for third-party Foundry typings, written the way such typings are
// Stands in for a project's own Foundry typings: a global `Hooks` class with static methods typed by a hook map,
// and a `game` variable whose modules are typed by a registry of module APIs. Socket Manager's declarations must
// compile beside them: they declare no `Hooks` and no `game` of their own.
interface HookConfig {
  init: () => void;
  ready: () => void;
  updateActor: (actor: { name: string }, changes: object) => void;
}

interface ModuleApis {}

declare class Hooks {
  static on<K extends keyof HookConfig>(hook: K, fn: HookConfig[K]): number;
  static on(hook: string, fn: (...args: any[]) => unknown): number;
  static once<K extends keyof HookConfig>(hook: K, fn: HookConfig[K]): number;
  static once(hook: string, fn: (...args: any[]) => unknown): number;
  static off(hook: string, fn: number | ((...args: any[]) => unknown)): void;
  static callAll(hook: string, ...args: unknown[]): boolean;
}

interface FoundryModule<Api = unknown> {
  id: string;
  active: boolean;
  api: Api;
}

declare var game: {
  modules: {
    get<K extends keyof ModuleApis>(id: K): FoundryModule<ModuleApis[K]> | undefined;
    get(id: string): FoundryModule | undefined;
  };
};
