/**
 * A part of the client that arrives with a chunk loaded on first use (a file beside the module's, fetched by
 * `import()`): built once per manager, at once when some manager already loaded the chunk.
 */
import type { Clock } from "../clock";

/** One chunk: its module once loaded (shared by every manager on the page), and how to load it. */
export interface Chunk<M> {
  loaded: M | null;
  load(): Promise<M>;
}

/** The import runs once for every manager on the page; after a failed one the next `load()` tries again. */
export function chunk<M>(importer: () => Promise<M>): Chunk<M> {
  let pending: Promise<M> | null = null;
  const c: Chunk<M> = {
    loaded: null,
    load: () => {
      pending ??= importer().then(
        (module) => {
          c.loaded = module;
          return module;
        },
        (e: unknown) => {
          pending = null;
          throw e;
        },
      );
      return pending;
    },
  };
  return c;
}

export class OnDemand<M, T> {
  #value: T | null = null;
  #loading: Promise<T> | null = null;

  constructor(
    private readonly source: Chunk<M>,
    private readonly build: (module: M) => T,
    private readonly clock: Clock,
  ) {}

  /** The part if it was built; never loads or builds. */
  get built(): T | null {
    return this.#value;
  }

  /** The part, built at once if its chunk is already loaded; null while it is not. */
  now(): T | null {
    if (!this.#value && this.source.loaded) this.#value = this.build(this.source.loaded);
    return this.#value;
  }

  /** Null when the part can be used now; otherwise its load, started once (again after a failed one). */
  whenReady(): Promise<T> | null {
    if (this.now()) return null;
    if (!this.#loading) {
      const loading = this.source.load().then(
        () => this.now() as T,
        (e: unknown) => {
          this.#loading = null;
          throw e;
        },
      );
      this.#loading = loading;
      this.clock.track?.(loading.catch(() => {}));
    }
    return this.#loading;
  }

  /** The part, loading it first when needed. */
  async get(): Promise<T> {
    return this.now() ?? (await (this.whenReady() as Promise<T>));
  }
}
