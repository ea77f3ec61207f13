/** journals.create: a journal entry, with one text page when `content` is given. */
import { create, operation } from "./common";
import { pushResult } from "./results";
import { documentId, jsonObject, object, optional, schema, text } from "./schema";

/** Longest page content (HTML), in characters. */
export const MAX_JOURNAL_CONTENT = 512 * 1024;

export const journalsCreate = operation(
  "journals.create",
  schema(
    "journals.create",
    object({
      name: text(1, 255),
      content: optional(text(0, MAX_JOURNAL_CONTENT)),
      folder: optional(documentId),
      flags: optional(jsonObject(64 * 1024)),
    }),
  ),
  async (docs, { name, content, folder, flags }) => {
    // A journal entry's text lives in its pages; format 1 is HTML (docs/FOUNDRY.md, "Documents").
    const pages = content === undefined ? [] : [{ name, type: "text", text: { content, format: 1 } }];
    return pushResult(await create(docs, "journals.create", "JournalEntry", { name, folder, flags, pages }));
  },
);
