/**
 * The slice of Foundry's document API the bridge's world operations use (docs/FOUNDRY.md, "Documents"),
 * declared from the public API reference, and `worldDocuments`, which reads it from a global scope at every
 * use: the world collections and `game.packs` appear only at `setup`, and a system may replace
 * `CONFIG.<Name>.documentClass` during `init`.
 */

/** A primary document (Actor, Item, JournalEntry, Scene), world or compendium. */
export interface FoundryDocument {
  readonly id: string | null;
  readonly uuid: string;
  readonly name: string | null;
  /** Absent on document types without sub-types (JournalEntry, Scene). */
  readonly type?: string;
  readonly img?: string | null;
  readonly documentName: string;
  /** The compendium it lives in (`"package.pack"`), null in the world. */
  readonly pack?: string | null;
  toObject(): Record<string, unknown>;
  update(data: Record<string, unknown>): Promise<FoundryDocument | undefined>;
  /** Resolves to the deleted document, or undefined when a hook refused. */
  delete(): Promise<FoundryDocument | undefined>;
}

/** A world collection: `game.actors`, `game.items`, `game.journal`, `game.scenes`. */
export interface FoundryWorldCollection {
  readonly size: number;
  readonly contents: readonly FoundryDocument[];
  get(id: string): FoundryDocument | undefined;
  getName(name: string): FoundryDocument | undefined;
  filter(pred: (doc: FoundryDocument) => boolean): FoundryDocument[];
}

/** One entry of a compendium's index: the pack's minimal data for one document. */
export interface FoundryIndexEntry {
  readonly _id: string;
  readonly name?: string;
  readonly type?: string;
  readonly img?: string | null;
  /** Present in v11 and later. */
  readonly uuid?: string;
}

/** A compendium pack (`CompendiumCollection`). */
export interface FoundryCompendium {
  /** `"package.pack"`. */
  readonly collection: string;
  readonly documentName: string;
  /** The index loaded so far (empty until `getIndex` ran, since packs are indexed lazily). */
  readonly index: { readonly size: number; readonly contents?: readonly FoundryIndexEntry[] };
  getIndex(options?: { fields?: string[] }): Promise<Iterable<FoundryIndexEntry>>;
  getDocument(id: string): Promise<FoundryDocument | undefined | null>;
}

/** `game.packs`. */
export interface FoundryPacks {
  readonly contents: readonly FoundryCompendium[];
}

/** The class in `CONFIG.<Name>.documentClass`. */
export interface FoundryDocumentClass {
  /** Resolves to the created document, or undefined when a hook or the system refused it. */
  create(
    data: Record<string, unknown>,
    options?: Record<string, unknown>,
  ): Promise<FoundryDocument | undefined>;
}

/** What `FilePicker.browse` resolves to (other members are ignored). */
export interface FoundryBrowseResult {
  readonly target?: string;
  readonly dirs?: readonly string[];
  readonly files?: readonly string[];
}

export interface FoundryFilePicker {
  browse(source: string, target: string, options?: Record<string, unknown>): Promise<FoundryBrowseResult>;
}

type FromUuid = (uuid: string) => Promise<FoundryDocument | null>;

/** The globals read, each optional: which exist depends on the version and the moment of start-up. */
export interface FoundryDocumentsScope {
  game?: {
    readonly user?: { readonly isGM: boolean } | null;
    readonly actors?: FoundryWorldCollection;
    readonly items?: FoundryWorldCollection;
    readonly journal?: FoundryWorldCollection;
    readonly scenes?: FoundryWorldCollection;
    readonly packs?: FoundryPacks;
  };
  CONFIG?: Partial<Record<DocumentName, { documentClass?: FoundryDocumentClass }>>;
  /** v12 (v13 still has it). */
  fromUuid?: FromUuid;
  /** v12. */
  FilePicker?: FoundryFilePicker;
  foundry?: {
    /** v13. */
    utils?: { fromUuid?: FromUuid };
    /** v13: `.implementation` is the configured subclass. */
    applications?: { apps?: { FilePicker?: { implementation?: FoundryFilePicker } } };
  };
}

export type DocumentName = "Actor" | "Item" | "JournalEntry" | "Scene";

const COLLECTIONS = { Actor: "actors", Item: "items", JournalEntry: "journal", Scene: "scenes" } as const;

/** Foundry's document API as the world operations see it; every member reads the scope when called. */
export interface WorldDocuments {
  /** False until `game.user` exists (setup), and for players. */
  isGM(): boolean;
  /** The world collection, or undefined before `setup`. */
  collection(name: DocumentName): FoundryWorldCollection | undefined;
  documentClass(name: DocumentName): FoundryDocumentClass | undefined;
  packs(): readonly FoundryCompendium[];
  fromUuid(uuid: string): Promise<FoundryDocument | null>;
  filePicker(): FoundryFilePicker | undefined;
}

export function worldDocuments(scope: () => FoundryDocumentsScope): WorldDocuments {
  return {
    isGM: () => scope().game?.user?.isGM === true,
    collection: (name) => scope().game?.[COLLECTIONS[name]],
    documentClass: (name) => scope().CONFIG?.[name]?.documentClass,
    packs: () => scope().game?.packs?.contents ?? [],
    async fromUuid(uuid) {
      const s = scope();
      const resolve = s.foundry?.utils?.fromUuid ?? s.fromUuid;
      if (!resolve) throw new Error("Foundry's fromUuid is not available");
      return (await resolve(uuid)) ?? null;
    },
    filePicker() {
      const s = scope();
      return s.foundry?.applications?.apps?.FilePicker?.implementation ?? s.FilePicker;
    },
  };
}
