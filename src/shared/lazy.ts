/**
 * Shared state loads on first use: every client starts without it, and the first `channel.shared(key)` fetches
 * the chunk (src/shared/registry.ts and everything it needs) as a sibling file of the module. The options are
 * checked at once, so a mistake still throws where the module author called; until the chunk is there the
 * state reads as `initial` at version 0 (what it reads on any client before the GM's value arrives), and
 * `update`/`set` wait for it.
 */
import { ValidationError } from "../contract/errors";
import type { SharedChange, SharedInfo, SharedState } from "../contract/types";
import { chunk } from "../services/on-demand";
import { assertSharedKey, readSharedOptions, type SharedConfig, sharedMismatch } from "./options";
import type { SharedStatesDeps } from "./registry";

/** What the chunk gives: the registry of every shared state of this client. */
export interface SharedRegistry {
  /** `checked`: `opts` already read by readSharedOptions (not read again). */
  get(moduleId: string, key: string, opts: unknown, checked?: SharedConfig): SharedState<unknown>;
  list(): SharedInfo[];
  disposeModule(moduleId: string): void;
  start(): void;
  dispose(): void;
}

export type LoadRegistry = (deps: SharedStatesDeps) => Promise<SharedRegistry>;

/** The chunk, imported once for every client on the page (tests and benches run several). */
const registryChunk = chunk(() => import("./registry"));

/** The default loader: a dynamic import, which the build turns into a chunk beside the module's file. */
export const loadRegistry: LoadRegistry = async (deps) => {
  const { SharedStates } = await registryChunk.load();
  return new SharedStates(deps);
};

type Listener = (value: unknown, change: SharedChange) => void;

/** One state asked for before the chunk arrived: answers from `initial`, then forwards to the real one. */
class Pending {
  real: SharedState<unknown> | null = null;
  disposed = false;
  readonly listeners = new Set<Listener>();
  readonly facade: SharedState<unknown>;

  constructor(
    moduleId: string,
    key: string,
    readonly config: SharedConfig,
    readonly raw: unknown,
    ready: () => Promise<unknown>,
  ) {
    const self = this;
    const whenReal = async (): Promise<SharedState<unknown>> => {
      await ready();
      if (!self.real) throw new ValidationError(`shared "${key}" was disposed`, { moduleId });
      return self.real;
    };
    this.facade = Object.freeze({
      moduleId,
      key,
      get value() {
        return self.real ? self.real.value : self.config.initial;
      },
      get version() {
        return self.real?.version ?? 0;
      },
      get synced() {
        return self.real?.synced ?? false;
      },
      subscribe(fn: Listener) {
        if (self.real) return self.real.subscribe(fn);
        const entry: Listener = (value, change) => fn(value, change);
        self.listeners.add(entry);
        let off: (() => void) | null = null;
        self.onBind.push((real) => {
          if (self.listeners.has(entry)) off = real.subscribe(entry);
        });
        return () => {
          self.listeners.delete(entry);
          off?.();
        };
      },
      update: async (fn: (draft: unknown) => void) => (await whenReal()).update(fn),
      set: async (partial: unknown) => (await whenReal()).set(partial as never),
      dispose() {
        if (self.real) self.real.dispose();
        else self.disposed = true;
      },
    } satisfies SharedState<unknown>);
  }

  readonly onBind: ((real: SharedState<unknown>) => void)[] = [];

  bind(real: SharedState<unknown>): void {
    this.real = real;
    for (const fn of this.onBind.splice(0)) fn(real);
  }
}

/** The registry every manager holds: the same surface as the chunk's, usable before it is loaded. */
export class LazySharedStates implements SharedRegistry {
  readonly #deps: SharedStatesDeps;
  readonly #load: LoadRegistry;
  readonly #pending = new Map<string, Pending>();
  #real: SharedRegistry | null = null;
  /** The real state behind each object handed out while loading: the same key keeps giving that object. */
  readonly #handedOut = new WeakMap<SharedState<unknown>, SharedState<unknown>>();
  #loading: Promise<SharedRegistry> | null = null;
  #started = false;
  #disposed = false;

  constructor(deps: SharedStatesDeps, load: LoadRegistry = loadRegistry) {
    this.#deps = deps;
    this.#load = load;
  }

  /** Whether the chunk is loaded (the status window and tests ask). */
  get loaded(): boolean {
    return this.#real !== null;
  }

  get(moduleId: string, key: string, opts: unknown): SharedState<unknown> {
    if (this.#real) {
      const real = this.#real.get(moduleId, key, opts);
      return this.#handedOut.get(real) ?? real;
    }
    assertSharedKey(key, moduleId);
    const config = readSharedOptions(moduleId, key, opts);
    const id = `${moduleId}\u0000${key}`;
    const existing = this.#pending.get(id);
    if (existing && !existing.disposed) {
      const differs = sharedMismatch(existing.config, config);
      // The same error the chunk's registry raises for the same call.
      if (differs)
        throw new ValidationError(`shared "${key}" already exists with another ${differs}`, { moduleId });
      return existing.facade;
    }
    const pending = new Pending(moduleId, key, config, opts, () => this.#ensure());
    this.#pending.set(id, pending);
    void this.#ensure().catch((e: unknown) => this.#deps.core.log.error("shared state could not load", e));
    return pending.facade;
  }

  list(): SharedInfo[] {
    if (this.#real) return this.#real.list();
    return [...this.#pending.values()]
      .filter((p) => !p.disposed)
      .map((p) => ({
        moduleId: p.facade.moduleId,
        key: p.facade.key,
        version: 0,
        bytes: p.config.initialBytes,
        subscribers: p.listeners.size,
        authority: false,
        synced: false,
        persist: p.config.persist,
        resyncs: 0,
      }));
  }

  disposeModule(moduleId: string): void {
    this.#real?.disposeModule(moduleId);
    for (const p of this.#pending.values()) if (p.facade.moduleId === moduleId) p.facade.dispose();
  }

  start(): void {
    this.#started = true;
    this.#real?.start();
  }

  dispose(): void {
    this.#disposed = true;
    this.#real?.dispose();
    this.#pending.clear();
  }

  /** Loads the chunk once; binds every state asked for meanwhile, in the order they were asked for. */
  #ensure(): Promise<SharedRegistry> {
    if (this.#loading) return this.#loading;
    this.#loading = this.#load(this.#deps).then((real) => {
      if (this.#disposed) {
        real.dispose();
        return real;
      }
      this.#real = real;
      if (this.#started) real.start();
      for (const p of this.#pending.values()) {
        if (p.disposed) continue;
        const state = real.get(p.facade.moduleId, p.facade.key, p.raw, p.config);
        p.bind(state);
        this.#handedOut.set(state, p.facade);
      }
      this.#pending.clear();
      return real;
    });
    this.#deps.core.clock.track?.(this.#loading);
    return this.#loading;
  }
}
