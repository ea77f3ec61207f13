/**
 * Simulated Foundry documents for the bridge's world operations (browser-safe: no `node:` imports; the demo
 * sandbox bundles test/harness). Never kinder than Foundry (docs/FOUNDRY.md, "Documents"; pinned in
 * test/integration/harness.test.ts):
 * - `CONFIG.<Name>.documentClass`, `fromUuid` and the FilePicker exist from page load; `game.actors`,
 *   `game.items`, `game.journal`, `game.scenes` and `game.packs` only from `setup`;
 * - v12 has the globals `fromUuid` and `FilePicker`; v13 is simulated with only the namespaced
 *   `foundry.utils.fromUuid` and `foundry.applications.apps.FilePicker.implementation`;
 * - a compendium's index is empty until `getIndex` runs, and `getDocument` is counted (`documentsLoaded`), so
 *   a test can prove a search read indexes only;
 * - Actor and Item need a name and a type; `create` resolves to undefined when a hook refuses
 *   (`refuseNextCreate`); `FilePicker.browse` rejects a folder that does not exist.
 */
import type {
  DocumentName,
  FoundryBrowseResult,
  FoundryDocument,
  FoundryIndexEntry,
} from "../../src/foundry/documents";

type Source = Record<string, unknown>;

const DEFAULT_IMG: Partial<Record<DocumentName, string>> = {
  Actor: "icons/svg/mystery-man.svg",
  Item: "icons/svg/item-bag.svg",
};
const TYPED: readonly DocumentName[] = ["Actor", "Item"];

export class SimDocument implements FoundryDocument {
  #source: Source;

  constructor(
    readonly documentName: DocumentName,
    source: Source,
    readonly pack: string | null,
    private readonly owner: { remove(id: string): void } | null,
  ) {
    this.#source = structuredClone(source);
  }
  get id(): string {
    return this.#source._id as string;
  }
  get uuid(): string {
    const tail = `${this.documentName}.${this.id}`;
    return this.pack ? `Compendium.${this.pack}.${tail}` : tail;
  }
  get name(): string | null {
    return typeof this.#source.name === "string" ? this.#source.name : null;
  }
  get type(): string | undefined {
    return typeof this.#source.type === "string" ? this.#source.type : undefined;
  }
  get img(): string | null {
    return typeof this.#source.img === "string" ? this.#source.img : null;
  }
  toObject(): Source {
    return structuredClone(this.#source);
  }
  async update(data: Source): Promise<SimDocument> {
    this.#source = { ...this.#source, ...structuredClone(data), _id: this.id };
    return this;
  }
  async delete(): Promise<SimDocument | undefined> {
    if (!this.owner) throw new Error("You may not delete a locked compendium document");
    this.owner.remove(this.id);
    return this;
  }
}

/** A world collection (`game.actors` …). */
export class SimCollection {
  readonly #docs = new Map<string, SimDocument>();
  constructor(readonly documentName: DocumentName) {}
  get size(): number {
    return this.#docs.size;
  }
  get contents(): SimDocument[] {
    return [...this.#docs.values()];
  }
  [Symbol.iterator](): Iterator<SimDocument> {
    return this.#docs.values();
  }
  get(id: string): SimDocument | undefined {
    return this.#docs.get(id);
  }
  getName(name: string): SimDocument | undefined {
    return this.contents.find((d) => d.name === name);
  }
  filter(pred: (doc: SimDocument) => boolean): SimDocument[] {
    return this.contents.filter(pred);
  }
  add(source: Source): SimDocument {
    const doc = new SimDocument(this.documentName, source, null, { remove: (id) => this.#docs.delete(id) });
    this.#docs.set(doc.id, doc);
    return doc;
  }
}

/** An Item compendium, indexed lazily like Foundry's. */
export class SimCompendium {
  readonly documentName = "Item";
  readonly #docs = new Map<string, SimDocument>();
  readonly #index = new Map<string, FoundryIndexEntry>();
  /** `getIndex` calls, with the fields asked for. */
  readonly indexCalls: (string[] | undefined)[] = [];
  /** Documents loaded with `getDocument` (a search must leave this at 0). */
  documentsLoaded = 0;

  constructor(
    readonly collection: string,
    sources: readonly Source[],
  ) {
    for (const source of sources) {
      const doc = new SimDocument("Item", source, collection, null);
      this.#docs.set(doc.id, doc);
    }
  }
  get index(): { size: number; contents: FoundryIndexEntry[] } {
    return { size: this.#index.size, contents: [...this.#index.values()] };
  }
  async getIndex(options: { fields?: string[] } = {}): Promise<Iterable<FoundryIndexEntry>> {
    this.indexCalls.push(options.fields);
    for (const doc of this.#docs.values()) {
      const entry: Record<string, unknown> = { _id: doc.id, name: doc.name, type: doc.type, img: doc.img };
      const source = doc.toObject();
      for (const field of options.fields ?? []) if (field in source) entry[field] = source[field];
      this.#index.set(doc.id, { ...entry, uuid: doc.uuid } as unknown as FoundryIndexEntry);
    }
    return this.#index.values();
  }
  async getDocument(id: string): Promise<SimDocument | undefined> {
    this.documentsLoaded++;
    return this.#docs.get(id);
  }
}

export interface SimDocumentsOptions {
  /** 12: globals `fromUuid` and `FilePicker`; 13 (default): only the namespaced ones. */
  version?: 12 | 13;
  /** The Item compendium `world.sim-items` (default: none). */
  compendiumItems?: readonly Source[];
  /** Files per source: `{ data: ["maps/a.webp"] }`; folders are implied by the paths. */
  files?: Partial<Record<string, readonly string[]>>;
}

export interface SimWorldDocuments {
  readonly actors: SimCollection;
  readonly items: SimCollection;
  readonly journal: SimCollection;
  readonly scenes: SimCollection;
  readonly packs: readonly SimCompendium[];
  /** The next `create` of `name` resolves to undefined, as when a `preCreate` hook returns false. */
  refuseNextCreate(name: DocumentName): void;
  /** Every `FilePicker.browse` call: [source, target, options]. */
  readonly browsed: unknown[][];
  /** Puts the globals on `scope` at once and the collections on `game` (read only while `loaded()`). */
  install(scope: object, game: object, loaded: () => boolean): () => void;
}

export function createSimDocuments(opts: SimDocumentsOptions = {}): SimWorldDocuments {
  let ids = 0;
  const newId = () => `sim${String(++ids).padStart(13, "0")}`;
  const collections: Record<DocumentName, SimCollection> = {
    Actor: new SimCollection("Actor"),
    Item: new SimCollection("Item"),
    JournalEntry: new SimCollection("JournalEntry"),
    Scene: new SimCollection("Scene"),
  };
  const packs = opts.compendiumItems
    ? [
        new SimCompendium(
          "world.sim-items",
          opts.compendiumItems.map((s) => ({ _id: newId(), ...s })),
        ),
      ]
    : [];
  const refused = new Set<DocumentName>();
  const browsed: unknown[][] = [];

  const documentClass = (name: DocumentName) => ({
    async create(data: Source): Promise<SimDocument | undefined> {
      if (typeof data.name !== "string" || data.name === "")
        throw new Error(`${name} validation errors:\n  name: may not be undefined`);
      if (TYPED.includes(name) && typeof data.type !== "string")
        throw new Error(`${name} validation errors:\n  type: may not be undefined`);
      if (refused.delete(name)) return undefined;
      const img = DEFAULT_IMG[name];
      return collections[name].add({ ...(img ? { img } : {}), ...structuredClone(data), _id: newId() });
    },
  });

  async function fromUuid(uuid: string): Promise<SimDocument | null> {
    const parts = uuid.split(".");
    if (parts[0] === "Compendium" && parts.length === 5) {
      const pack = packs.find((p) => p.collection === `${parts[1]}.${parts[2]}`);
      if (!pack || parts[3] !== pack.documentName) return null;
      return (await pack.getDocument(parts[4] ?? "")) ?? null;
    }
    if (parts.length !== 2) return null;
    return collections[parts[0] as DocumentName]?.get(parts[1] ?? "") ?? null;
  }

  // Foundry's is an application class; only its static `browse` (and v13's `implementation`) matter here.
  const SimFilePicker = {
    get implementation() {
      return SimFilePicker;
    },
    async browse(source: string, target: string, options: Source = {}): Promise<FoundryBrowseResult> {
      browsed.push([source, target, options]);
      return browse(opts.files ?? {}, source, target, options);
    },
  };

  return {
    actors: collections.Actor,
    items: collections.Item,
    journal: collections.JournalEntry,
    scenes: collections.Scene,
    packs,
    browsed,
    refuseNextCreate: (name) => void refused.add(name),
    install(scope, game, loaded) {
      const s = scope as Record<string, unknown>;
      s.CONFIG ??= {};
      const CONFIG = s.CONFIG as Record<string, unknown>;
      for (const name of Object.keys(collections) as DocumentName[])
        CONFIG[name] = { ...(CONFIG[name] as object), documentClass: documentClass(name) };
      if (opts.version === 12) Object.assign(s, { fromUuid, FilePicker: SimFilePicker });
      else {
        s.foundry ??= {};
        const foundry = s.foundry as Record<string, Record<string, unknown>>;
        foundry.utils = { ...foundry.utils, fromUuid };
        foundry.applications ??= {};
        const apps = foundry.applications;
        apps.apps = { ...(apps.apps as object), FilePicker: SimFilePicker };
      }
      const onGame = {
        actors: collections.Actor,
        items: collections.Item,
        journal: collections.JournalEntry,
        scenes: collections.Scene,
        packs: {
          contents: packs,
          size: packs.length,
          get: (id: string) => packs.find((p) => p.collection === id),
        },
      };
      for (const [key, value] of Object.entries(onGame))
        Object.defineProperty(game, key, { configurable: true, get: () => (loaded() ? value : undefined) });
      return () => {
        for (const key of Object.keys(onGame)) delete (game as Record<string, unknown>)[key];
        for (const key of ["CONFIG", "fromUuid", "FilePicker"]) delete s[key];
        if (opts.version !== 12) delete s.foundry;
      };
    },
  };
}

/** One folder of an in-memory tree, the way Foundry's browse answers: full paths, folders and files apart. */
function browse(
  tree: Partial<Record<string, readonly string[]>>,
  source: string,
  target: string,
  options: Source,
): FoundryBrowseResult {
  const files = tree[source];
  if (!files) throw new Error(`Unknown file source "${source}"`);
  const dir = target.replace(/^\/+|\/+$/g, "");
  const prefix = dir === "" ? "" : `${dir}/`;
  const inside = files.filter((f) => f.startsWith(prefix));
  if (dir !== "" && inside.length === 0)
    throw new Error(`Directory ${dir} does not exist or is not accessible`);
  const dirs = new Set<string>();
  const here: string[] = [];
  for (const path of inside) {
    const rest = path.slice(prefix.length);
    const cut = rest.indexOf("/");
    if (cut >= 0) dirs.add(prefix + rest.slice(0, cut));
    else here.push(path);
  }
  const extensions = Array.isArray(options.extensions) ? (options.extensions as string[]) : null;
  const wanted = extensions ? here.filter((f) => extensions.some((e) => f.toLowerCase().endsWith(e))) : here;
  return { target: dir, dirs: [...dirs].sort(), files: wanted.sort() };
}
