/**
 * What the world operations answer (docs/BRIDGE.md, "World operations"): plain JSON, bounded, built from
 * documents here so that every operation reports a document the same way.
 */
import type { FoundryDocument } from "../../foundry/documents";

/** A document was created. `type` is null for document types without sub-types (JournalEntry, Scene). */
export interface PushResult {
  id: string;
  uuid: string;
  name: string;
  type: string | null;
}

/** One document: its UUID and its source data (`toObject()`). */
export interface FetchResult {
  uuid: string;
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

/** A page of a world collection: `total` documents matched, `items` starts at `offset`. */
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
  /** The compendium (`"package.pack"`), null for a world document. */
  pack: string | null;
}

/** `total` matches; `results` is the requested page of them. */
export interface SearchResult {
  total: number;
  results: SearchHit[];
}

/** A folder's listing; `truncated` when `dirs` or `files` were cut to their bound. */
export interface FileListResult {
  source: string;
  target: string;
  dirs: string[];
  files: string[];
  truncated: boolean;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

export function pushResult(doc: FoundryDocument): PushResult {
  return { id: doc.id ?? "", uuid: doc.uuid, name: doc.name ?? "", type: str(doc.type) };
}

export function fetchResult(doc: FoundryDocument): FetchResult {
  return { uuid: doc.uuid, document: doc.toObject() };
}

export function summary(doc: FoundryDocument): DocumentSummary {
  return { id: doc.id ?? "", uuid: doc.uuid, name: doc.name ?? "", type: str(doc.type), img: str(doc.img) };
}
