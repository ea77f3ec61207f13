/** What every world operation is, and the lookups they share. */
import type { StandardSchemaV1 } from "../../contract/schema";
import type { WorldOperationKind } from "../../foundry/bridge-settings";
import type {
  DocumentName,
  FoundryDocument,
  FoundryDocumentClass,
  FoundryWorldCollection,
  WorldDocuments,
} from "../../foundry/documents";
import type { RateLimiter, RateLimits } from "../../pipeline/rate-limit";
import { BridgeAnswerError } from "../answer";
import { documentId, documentUuid, integer, object, optional, refine, schema } from "./schema";

/** Largest page of a listing or a search, the default one, and the largest offset. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;
export const MAX_OFFSET = 1_000_000;

/** The `offset` and `limit` fields of a listing or a search. */
export const page = {
  offset: optional(integer(0, MAX_OFFSET), 0),
  limit: optional(integer(1, MAX_PAGE), DEFAULT_PAGE),
};

/** `{ id }` (a world document) or `{ uuid }` (any document, compendium ones included). */
export const reference = (kind: string) =>
  schema(kind, refine(object({ id: optional(documentId), uuid: optional(documentUuid) }), oneReference));

/** The data type a schema lets through. */
export type DataOf<S> = S extends StandardSchemaV1<unknown, infer T> ? T : never;

/**
 * Index entries and world documents this client's searches may compare, together: a million a second, four
 * million at once (about 100 ms of the GM's time a second). A search is refused while it is in debt.
 */
export const SCAN_BUDGET: RateLimits = Object.freeze({ rateLimit: 1_000_000, rateBurst: 4_000_000 });

/** What the operations of one client may scan (`allow(key, now, 0)`: out of debt; `spend`: charge a search). */
export type ScanBudget = Pick<RateLimiter, "allow" | "spend">;

export interface WorldOperation {
  readonly kind: WorldOperationKind;
  readonly schema: StandardSchemaV1;
  /** Runs with data that passed `schema` (the bridge runs the schema first). */
  run(docs: WorldDocuments, data: unknown, scans: ScanBudget): Promise<unknown>;
}

/** Declares an operation; its `run` is typed by what its schema lets through. */
export function operation<T>(
  kind: WorldOperationKind,
  schema: StandardSchemaV1<unknown, T>,
  run: (docs: WorldDocuments, data: T, scans: ScanBudget) => Promise<unknown>,
): WorldOperation {
  return { kind, schema, run: (docs, data, scans) => run(docs, data as T, scans) };
}

export function worldCollection(
  docs: WorldDocuments,
  kind: string,
  name: DocumentName,
): FoundryWorldCollection {
  const collection = docs.collection(name);
  if (!collection) throw new Error(`${kind}: the world's ${name} documents are not loaded yet`);
  return collection;
}

export function documentClass(docs: WorldDocuments, kind: string, name: DocumentName): FoundryDocumentClass {
  const cls = docs.documentClass(name);
  if (!cls) throw new Error(`${kind}: CONFIG.${name}.documentClass is not available`);
  return cls;
}

/** Creates a document; a refusal by a hook or the system is an error, not an empty answer. */
export async function create(
  docs: WorldDocuments,
  kind: string,
  name: DocumentName,
  data: Record<string, unknown>,
): Promise<FoundryDocument> {
  const doc = await documentClass(docs, kind, name).create(withoutUndefined(data));
  if (!doc) throw new Error(`${kind}: Foundry did not create the ${name} (a hook or the system refused it)`);
  return doc;
}

/** A world document by id or any document by UUID (compendium ones included), checked to be a `name`. */
export async function findDocument(
  docs: WorldDocuments,
  kind: string,
  name: DocumentName,
  ref: { id?: string | undefined; uuid?: string | undefined },
): Promise<FoundryDocument> {
  if (ref.id !== undefined) {
    const doc = worldCollection(docs, kind, name).get(ref.id);
    if (!doc)
      throw new BridgeAnswerError("NOT_FOUND", `${kind}: no ${name} with id "${ref.id}" in this world`);
    return doc;
  }
  const uuid = ref.uuid ?? "";
  const doc = await docs.fromUuid(uuid);
  if (!doc) throw new BridgeAnswerError("NOT_FOUND", `${kind}: no document with UUID "${uuid}"`);
  if (doc.documentName !== name)
    throw new BridgeAnswerError(
      "NOT_FOUND",
      `${kind}: "${uuid}" is not an ${name} but a document of type ${doc.documentName}`,
    );
  return doc;
}

/** Exactly one of `id` and `uuid`. */
export function oneReference(value: { id?: string | undefined; uuid?: string | undefined }): string | null {
  return (value.id === undefined) === (value.uuid === undefined)
    ? "must have exactly one of id and uuid"
    : null;
}

function withoutUndefined(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
}
