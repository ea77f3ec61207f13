import { errorMessage } from "../contract/errors";
import type { StandardSchemaV1 } from "../contract/schema";

export type { StandardSchemaV1 };

export interface SchemaIssue {
  message: string;
  path?: PropertyKey[];
}

export type SchemaOutcome = { ok: true; value: unknown } | { ok: false; issues: SchemaIssue[] };

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { "~standard"?: { validate?: unknown } } | null)?.["~standard"];
  return typeof std === "object" && std !== null && typeof std.validate === "function";
}

function toOutcome(result: StandardSchemaV1.Result<unknown>): SchemaOutcome {
  if (result.issues === undefined) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => {
      const out: SchemaIssue = { message: String(issue.message) };
      if (issue.path) out.path = issue.path.map((p) => (typeof p === "object" && p !== null ? p.key : p));
      return out;
    }),
  };
}

/** Runs a schema; returns synchronously when the schema does, so sync handlers stay in order. */
export function runSchema(schema: StandardSchemaV1, value: unknown): SchemaOutcome | Promise<SchemaOutcome> {
  const fail = (e: unknown): SchemaOutcome => ({
    ok: false,
    issues: [{ message: `schema threw: ${errorMessage(e)}` }],
  });
  try {
    const result = schema["~standard"].validate(value);
    // Any thenable counts as async (a promise from another realm is not `instanceof Promise`).
    if (typeof (result as { then?: unknown }).then === "function") {
      return Promise.resolve(result).then(toOutcome, fail);
    }
    return toOutcome(result as StandardSchemaV1.Result<unknown>);
  } catch (e) {
    return fail(e);
  }
}
