/** The options of `channel.shared(key, opts)`: defaults, checks, and when a second call may share the first's state. */
import { PayloadTooLargeError, ValidationError } from "../contract/errors";
import type { SharedOptions, SharedWrite, StandardSchemaV1 } from "../contract/types";
import { MAX_NAME_LENGTH } from "../pipeline/envelope";
import { isPermission } from "../pipeline/permission";
import { isStandardSchema, runSchema } from "../pipeline/schema";
import { copyJson, MAX_PAYLOAD_DEPTH } from "../pipeline/snapshot";
import { describeUnsafe } from "../pipeline/validate";
import { checkKeys } from "../services/options";
import { deepFreeze, jsonEqual, MAX_DEPTH, nestsWithin } from "./frozen";
import type { Json } from "./json";

export const SHARED_DEFAULTS = {
  write: "gm",
  persist: false,
  patchRate: 50,
  maxBytes: 1_048_576,
  maxPatchBytes: 262_144,
} as const;

/** Largest `maxBytes` / `maxPatchBytes` accepted (a value must still fit `maxPayloadBytes` to travel). */
export const MAX_SHARED_BYTES = 256 * 1_048_576;
/** Longest `patchRate`. */
export const MAX_PATCH_RATE_MS = 60_000;

const SHARED_KEYS = [
  "initial",
  "schema",
  "write",
  "persist",
  "patchRate",
  "maxBytes",
  "maxPatchBytes",
] as const;

/** Checked options with their defaults: `initial` as a frozen JSON copy with its size. */
export interface SharedConfig {
  readonly initial: Json;
  readonly initialBytes: number;
  readonly schema: StandardSchemaV1 | undefined;
  readonly write: SharedWrite<unknown>;
  readonly persist: boolean;
  readonly patchRate: number;
  readonly maxBytes: number;
  readonly maxPatchBytes: number;
}

function bytesOption(value: unknown, fallback: number, name: string, moduleId: string, key: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_SHARED_BYTES)
    throw new ValidationError(
      `shared "${key}": ${name} must be a whole number of bytes from 1 to ${MAX_SHARED_BYTES}`,
      {
        moduleId,
      },
    );
  return value;
}

export function assertSharedKey(key: unknown, moduleId: string): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_NAME_LENGTH)
    throw new ValidationError(`a shared state needs a key of 1 to ${MAX_NAME_LENGTH} characters`, {
      moduleId,
    });
}

/** Throws a ValidationError (or PayloadTooLargeError for an `initial` over `maxBytes`) naming the bad option. */
export function readSharedOptions(moduleId: string, key: string, raw: unknown): SharedConfig {
  if (typeof raw !== "object" || raw === null)
    throw new ValidationError(`shared "${key}": options with an "initial" value are required`, { moduleId });
  checkKeys(raw, SHARED_KEYS, "shared", moduleId, key);
  const opts = raw as SharedOptions<unknown>;
  const fail = (message: string) => new ValidationError(`shared "${key}": ${message}`, { moduleId });
  if (!("initial" in opts)) throw fail(`"initial" is required`);
  // The send path's walk copies and measures it; a shared value refuses what a payload would only leave out.
  if (opts.initial === undefined) throw fail("initial is undefined; a shared value must be JSON");
  const copy = copyJson(opts.initial);
  if (!copy)
    throw fail(describeUnsafe(opts.initial, MAX_PAYLOAD_DEPTH, "initial") ?? "initial cannot be copied");
  if (copy.reservedKey) throw fail("initial has a reserved key (__proto__, constructor or prototype)");
  if (!nestsWithin(copy.value, MAX_DEPTH)) throw fail(`initial is nested deeper than ${MAX_DEPTH} levels`);
  const initial = deepFreeze(copy.value as Json);
  if (opts.schema !== undefined && !isStandardSchema(opts.schema))
    throw fail("schema must implement the Standard Schema interface (~standard)");
  const write = opts.write ?? SHARED_DEFAULTS.write;
  if (!isPermission(write)) throw fail(`write must be "player", "trusted", "assistant", "gm" or a function`);
  if (opts.persist !== undefined && typeof opts.persist !== "boolean")
    throw fail("persist must be true or false");
  const patchRate = opts.patchRate ?? SHARED_DEFAULTS.patchRate;
  if (
    typeof patchRate !== "number" ||
    !Number.isFinite(patchRate) ||
    patchRate < 0 ||
    patchRate > MAX_PATCH_RATE_MS
  )
    throw fail(`patchRate must be a number of milliseconds from 0 to ${MAX_PATCH_RATE_MS}`);
  const maxBytes = bytesOption(opts.maxBytes, SHARED_DEFAULTS.maxBytes, "maxBytes", moduleId, key);
  const maxPatchBytes = bytesOption(
    opts.maxPatchBytes,
    SHARED_DEFAULTS.maxPatchBytes,
    "maxPatchBytes",
    moduleId,
    key,
  );
  if (opts.schema !== undefined) {
    // A synchronous schema checks `initial` at once; an asynchronous one is left to the first change.
    const checked = runSchema(opts.schema, initial);
    if (!("then" in checked) && !checked.ok)
      throw new ValidationError(
        `shared "${key}": initial fails the schema: ${checked.issues.map((i) => i.message).join("; ")}`,
        {
          moduleId,
          issues: checked.issues,
        },
      );
  }
  const initialBytes = copy.bytes;
  if (initialBytes > maxBytes)
    throw new PayloadTooLargeError(
      `shared "${key}": initial is ${initialBytes} bytes; maxBytes is ${maxBytes}`,
      {
        moduleId,
      },
    );
  return {
    initial,
    initialBytes,
    schema: opts.schema,
    write: write as SharedWrite<unknown>,
    persist: opts.persist ?? SHARED_DEFAULTS.persist,
    patchRate,
    maxBytes,
    maxPatchBytes,
  };
}

/**
 * Why a second `shared(key, opts)` cannot return the first call's state, or null when it can: the data
 * options must match (a schema or a write function given again is not compared: the first one stays).
 */
export function sharedMismatch(a: SharedConfig, b: SharedConfig): string | null {
  if (!jsonEqual(a.initial, b.initial)) return "initial";
  if (typeof a.write === "string" && typeof b.write === "string" && a.write !== b.write) return "write";
  if (typeof a.write !== typeof b.write) return "write";
  if (a.persist !== b.persist) return "persist";
  if (a.patchRate !== b.patchRate) return "patchRate";
  if (a.maxBytes !== b.maxBytes) return "maxBytes";
  if (a.maxPatchBytes !== b.maxPatchBytes) return "maxPatchBytes";
  return null;
}
