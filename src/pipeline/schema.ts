import { errorMessage } from "../errors";
/**
 * The Standard Schema v1 interface (standardschema.dev), implemented by zod, valibot, arktype and others.
 * Declared here so that no schema library is a dependency.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export declare namespace StandardSchemaV1 {
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
  }
}

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
