/**
 * Small hand-written Standard Schema checks for the world operations' data (no schema library: the bundle has
 * no runtime dependencies). Every field is bounded; unknown keys are refused; each issue names the operation
 * and the field.
 */
import type { StandardSchemaV1 } from "../../contract/schema";

/** Checks one value at `at` (e.g. `data.name`); pushes what is wrong to `issues`. */
export interface Check<T> {
  (value: unknown, at: string, issues: string[]): T | undefined;
  /** The key may be left out (then `fallback`, if any, is used). */
  readonly optional?: boolean;
  readonly fallback?: T;
}

const fail = (issues: string[], message: string): undefined => {
  issues.push(message);
  return undefined;
};

export function text(min: number, max: number): Check<string> {
  return (v, at, issues) =>
    typeof v === "string" && v.length >= min && v.length <= max
      ? v
      : fail(issues, `${at} must be a string of ${min} to ${max} characters`);
}

/** A string matching `pattern`, described for people as `what`. */
export function pattern(re: RegExp, what: string): Check<string> {
  return (v, at, issues) => (typeof v === "string" && re.test(v) ? v : fail(issues, `${at} must be ${what}`));
}

/** A Foundry document id: 1 to 64 letters and digits (Foundry makes 16). */
export const documentId = pattern(/^[A-Za-z0-9]{1,64}$/, "a document id (1 to 64 letters and digits)");
/** A document UUID such as `Actor.abc` or `Compendium.pkg.pack.Item.abc`. */
export const documentUuid = pattern(/^[A-Za-z0-9._-]{3,512}$/, "a document UUID (3 to 512 characters)");

export function integer(min: number, max: number): Check<number> {
  return (v, at, issues) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? (v as number)
      : fail(issues, `${at} must be a whole number from ${min} to ${max}`);
}

export const flag: Check<boolean> = (v, at, issues) =>
  typeof v === "boolean" ? v : fail(issues, `${at} must be true or false`);

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, at, issues) =>
    values.includes(v as T) ? (v as T) : fail(issues, `${at} must be one of ${values.join(", ")}`);
}

export function list<T>(item: Check<T>, max: number): Check<T[]> {
  return (v, at, issues) => {
    if (!Array.isArray(v) || v.length > max) return fail(issues, `${at} must be a list of at most ${max}`);
    const before = issues.length;
    const out = v.map((x, i) => item(x, `${at}[${i}]`, issues));
    return issues.length === before ? (out as T[]) : undefined;
  };
}

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_DEPTH = 32;
const MAX_NODES = 50_000;

/** A plain JSON object (as parsed from the frame), at most `maxChars` as JSON, without prototype keys. */
export function jsonObject(maxChars: number): Check<Record<string, unknown>> {
  return (v, at, issues) => {
    if (!isPlainObject(v)) return fail(issues, `${at} must be an object`);
    const problem = walk(v);
    if (problem) return fail(issues, `${at} ${problem}`);
    if (JSON.stringify(v).length > maxChars)
      return fail(issues, `${at} must be at most ${maxChars} characters of JSON`);
    return v;
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Depth, size and key checks, iteratively (a deep object cannot overflow the stack). */
function walk(root: Record<string, unknown>): string | null {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  for (let seen = 0; stack.length > 0; seen++) {
    if (seen > MAX_NODES) return `must hold at most ${MAX_NODES} values`;
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node !== "object" || node === null) continue;
    if (depth > MAX_DEPTH) return `must be nested at most ${MAX_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(node)) {
      if (FORBIDDEN_KEYS.has(key)) return `must not contain the key "${key}"`;
      stack.push({ node: child, depth: depth + 1 });
    }
  }
  return null;
}

/** The key may be left out; `fallback` then stands in for it. */
export function optional<T>(check: Check<T>, fallback?: T): Check<T> {
  const wrapped = ((v: unknown, at: string, issues: string[]) => check(v, at, issues)) as Check<T>;
  return Object.assign(wrapped, { optional: true, fallback });
}

type Shape = Record<string, Check<unknown>>;
export type Output<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

/** An object with exactly these keys (optional ones may be missing); any other key is refused. */
export function object<S extends Shape>(shape: S): Check<Output<S>> {
  return (v, at, issues) => {
    if (!isPlainObject(v)) return fail(issues, `${at} must be an object`);
    const before = issues.length;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (!Object.hasOwn(shape, key)) issues.push(`${at}.${key} is not a known field`);
    }
    for (const [key, check] of Object.entries(shape)) {
      const value = v[key];
      if (value === undefined) {
        if (!check.optional) issues.push(`${at}.${key} is required`);
        else if (check.fallback !== undefined) out[key] = check.fallback;
        continue;
      }
      out[key] = check(value, `${at}.${key}`, issues);
    }
    return issues.length === before ? (out as Output<S>) : undefined;
  };
}

/** `check`, then `rule` on its result (e.g. "exactly one of id and uuid"). */
export function refine<T>(check: Check<T>, rule: (value: T) => string | null): Check<T> {
  return (v, at, issues) => {
    const value = check(v, at, issues);
    if (value === undefined) return undefined;
    const problem = rule(value);
    return problem ? fail(issues, `${at} ${problem}`) : value;
  };
}

/** A Standard Schema whose issues start with the operation's kind. */
export function schema<T>(kind: string, check: Check<T>): StandardSchemaV1<unknown, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "socket-manager",
      validate(value) {
        const issues: string[] = [];
        const out = check(value, "data", issues);
        if (issues.length > 0 || out === undefined) {
          const messages = issues.length > 0 ? issues : ["data is invalid"];
          return { issues: messages.slice(0, 20).map((m) => ({ message: `${kind}: ${m}` })) };
        }
        return { value: out };
      },
    },
  };
}
