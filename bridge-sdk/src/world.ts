/**
 * A typed client for Socket Manager's built-in world operations (docs/BRIDGE.md, "World operations"). Each
 * method sends one request of a fixed kind and resolves with its typed result; errors are the bridge's
 * (`RemoteError` with `NO_HANDLER` when a GM has not enabled the operation, `VALIDATION`, `NOT_FOUND`...).
 * The types are declared here: the SDK does not depend on the module's sources.
 */
import type { Bridge } from "./bridge.js";
import type { RequestOptions } from "./types.js";

export interface PushResult {
  id: string;
  uuid: string;
  name: string;
  /** null for document types without sub-types (journal entries, scenes). */
  type: string | null;
}
export interface FetchResult {
  uuid: string;
  /** The document's source data (`toObject()`). */
  document: Record<string, unknown>;
}
export interface DeleteResult {
  id: string;
  uuid: string;
  deleted: true;
}
export interface DocumentSummary {
  id: string;
  uuid: string;
  name: string;
  type: string | null;
  img: string | null;
}
export interface ListResult {
  total: number;
  offset: number;
  items: DocumentSummary[];
}
export interface SearchHit {
  uuid: string;
  name: string;
  type: string | null;
  img: string | null;
  /** The compendium (`"package.pack"`), null for a world item. */
  pack: string | null;
}
export interface SearchResult {
  total: number;
  results: SearchHit[];
}
export interface FileListResult {
  source: "data" | "public";
  target: string;
  dirs: string[];
  files: string[];
  /** `dirs` or `files` were cut to 1,000 entries. */
  truncated: boolean;
}

/** A world document by id, or any document (compendium ones too) by UUID. */
export type DocumentReference = { id: string; uuid?: never } | { uuid: string; id?: never };
export interface Page {
  /** Default 0. */
  offset?: number;
  /** 1-200, default 50. */
  limit?: number;
}
export interface ActorCreateData {
  name: string;
  type: string;
  img?: string;
  folder?: string;
  system?: Record<string, unknown>;
  flags?: Record<string, unknown>;
}
export interface ItemSearchData extends Page {
  /** 1-100 characters, matched case-insensitively anywhere in the name. */
  query: string;
  type?: string;
  /** Also search Item compendiums (through their indexes); default true. */
  compendiums?: boolean;
}
export interface JournalCreateData {
  name: string;
  /** HTML of the entry's one text page; no page without it. */
  content?: string;
  folder?: string;
  flags?: Record<string, unknown>;
}
export interface SceneCreateData {
  name: string;
  /** Image path of the background. */
  background?: string;
  width?: number;
  height?: number;
  gridSize?: number;
  folder?: string;
  navigation?: boolean;
}
export interface FileListData {
  /** Default "data" (user data); "public" is core data. */
  source?: "data" | "public";
  /** Folder path, default "" (the root); no ".." segments. */
  target?: string;
  /** e.g. [".webp", ".png"]. */
  extensions?: string[];
}

export interface WorldOperations {
  actors: {
    create(data: ActorCreateData, opts?: RequestOptions): Promise<PushResult>;
    get(ref: DocumentReference, opts?: RequestOptions): Promise<FetchResult>;
    delete(ref: { id: string }, opts?: RequestOptions): Promise<DeleteResult>;
    list(query?: Page & { type?: string }, opts?: RequestOptions): Promise<ListResult>;
  };
  items: {
    search(query: ItemSearchData, opts?: RequestOptions): Promise<SearchResult>;
    get(ref: DocumentReference, opts?: RequestOptions): Promise<FetchResult>;
  };
  journals: { create(data: JournalCreateData, opts?: RequestOptions): Promise<PushResult> };
  scenes: { create(data: SceneCreateData, opts?: RequestOptions): Promise<PushResult> };
  files: { list(query?: FileListData, opts?: RequestOptions): Promise<FileListResult> };
}

/** The request kinds, one per method. */
export const WORLD_OPERATION_KINDS = [
  "actors.create",
  "actors.get",
  "actors.delete",
  "actors.list",
  "items.search",
  "items.get",
  "journals.create",
  "scenes.create",
  "files.list",
] as const;

export function worldOperations(bridge: Pick<Bridge, "request">): WorldOperations {
  const call =
    <D, R>(kind: (typeof WORLD_OPERATION_KINDS)[number]) =>
    (data: D, opts?: RequestOptions): Promise<R> =>
      bridge.request<R>(kind, data ?? {}, opts);
  return {
    actors: {
      create: call("actors.create"),
      get: call("actors.get"),
      delete: call("actors.delete"),
      list: call("actors.list"),
    },
    items: { search: call("items.search"), get: call("items.get") },
    journals: { create: call("journals.create") },
    scenes: { create: call("scenes.create") },
    files: { list: call("files.list") },
  };
}
