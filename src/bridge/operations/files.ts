/** files.list: one folder of the user data or core data storage, through Foundry's FilePicker.browse. */
import { errorMessage } from "../../contract/errors";
import { BridgeAnswerError } from "../answer";
import { operation } from "./common";
import type { FileListResult } from "./results";
import { list, object, oneOf, optional, pattern, refine, schema, text } from "./schema";

/** Folders and files answered per listing; more are cut (`truncated`). */
export const MAX_FILE_ENTRIES = 1000;
/** "s3" needs a bucket and other hosts' sources are their own: only Foundry's two local sources. */
export const FILE_SOURCES = ["data", "public"] as const;

/**
 * Folders are named with `/` alone: a backslash or a percent escape could spell `..` in a form this check does not
 * see (Foundry's server keeps to its own root anyway; this is the second fence).
 */
const noParentSegments = (v: { target: string }) => {
  if (/[\\%]/.test(v.target)) return "target must not contain a backslash or a percent sign";
  return v.target.split("/").includes("..") ? 'target must not contain ".." segments' : null;
};

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === "string" && s.length <= 4096) : [];

export const filesList = operation(
  "files.list",
  schema(
    "files.list",
    refine(
      object({
        source: optional(oneOf(FILE_SOURCES), "data"),
        target: optional(text(0, 1024), ""),
        extensions: optional(list(pattern(/^\.[A-Za-z0-9]{1,15}$/, 'an extension such as ".webp"'), 32)),
      }),
      noParentSegments,
    ),
  ),
  async (docs, { source, target, extensions }): Promise<FileListResult> => {
    const picker = docs.filePicker();
    if (!picker) throw new Error("files.list: Foundry's FilePicker is not available");
    let result: Awaited<ReturnType<typeof picker.browse>>;
    try {
      result = await picker.browse(source, target, extensions ? { extensions } : {});
    } catch (e) {
      // Foundry rejects a folder that does not exist (or may not be read) with its own message.
      const why = errorMessage(e);
      throw new BridgeAnswerError("NOT_FOUND", `files.list: cannot browse "${target}" in ${source}: ${why}`);
    }
    const dirs = strings(result.dirs);
    const files = strings(result.files);
    return {
      source,
      target: typeof result.target === "string" ? result.target : target,
      dirs: dirs.slice(0, MAX_FILE_ENTRIES),
      files: files.slice(0, MAX_FILE_ENTRIES),
      truncated: dirs.length > MAX_FILE_ENTRIES || files.length > MAX_FILE_ENTRIES,
    };
  },
);
