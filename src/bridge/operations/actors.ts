/** actors.create, actors.get, actors.delete, actors.list. */
import { BridgeAnswerError } from "../answer";
import { create, findDocument, operation, page, reference, worldCollection } from "./common";
import { type DeleteResult, fetchResult, type ListResult, pushResult, summary } from "./results";
import { documentId, jsonObject, object, optional, schema, text } from "./schema";

/** Largest `system` data of a created document, as JSON characters. */
export const MAX_SYSTEM_CHARS = 256 * 1024;
const MAX_FLAGS_CHARS = 64 * 1024;

export const actorsCreate = operation(
  "actors.create",
  schema(
    "actors.create",
    object({
      name: text(1, 255),
      type: text(1, 64),
      img: optional(text(1, 1024)),
      folder: optional(documentId),
      system: optional(jsonObject(MAX_SYSTEM_CHARS)),
      flags: optional(jsonObject(MAX_FLAGS_CHARS)),
    }),
  ),
  async (docs, data) => pushResult(await create(docs, "actors.create", "Actor", data)),
);

export const actorsGet = operation("actors.get", reference("actors.get"), async (docs, ref) =>
  fetchResult(await findDocument(docs, "actors.get", "Actor", ref)),
);

export const actorsDelete = operation(
  "actors.delete",
  schema("actors.delete", object({ id: documentId })),
  async (docs, { id }): Promise<DeleteResult> => {
    const doc = worldCollection(docs, "actors.delete", "Actor").get(id);
    if (!doc)
      throw new BridgeAnswerError("NOT_FOUND", `actors.delete: no Actor with id "${id}" in this world`);
    const deleted = await doc.delete();
    if (!deleted) throw new Error(`actors.delete: Foundry did not delete Actor "${id}" (a hook refused it)`);
    return { id, uuid: doc.uuid, deleted: true };
  },
);

export const actorsList = operation(
  "actors.list",
  schema("actors.list", object({ ...page, type: optional(text(1, 64)) })),
  async (docs, { offset, limit, type }): Promise<ListResult> => {
    const all = worldCollection(docs, "actors.list", "Actor").contents;
    const matching = type === undefined ? all : all.filter((doc) => doc.type === type);
    return { total: matching.length, offset, items: matching.slice(offset, offset + limit).map(summary) };
  },
);

export const ACTOR_OPERATIONS = [actorsCreate, actorsGet, actorsDelete, actorsList];
