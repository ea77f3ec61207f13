import { describe, expect, it } from "vitest";
import { isStandardSchema, runSchema, type StandardSchemaV1 } from "../../../src/pipeline/schema";

function schema(validate: StandardSchemaV1["~standard"]["validate"]): StandardSchemaV1 {
  return { "~standard": { version: 1, vendor: "test", validate } };
}

/** Accepts { n: number } and doubles n. */
const doubler = schema((value) => {
  const n = (value as { n?: unknown } | null)?.n;
  if (typeof n === "number") return { value: { n: n * 2 } };
  return { issues: [{ message: "n must be a number", path: ["n"] }] };
});

describe("runSchema: synchronous", () => {
  it("returns the transformed value, synchronously", () => {
    const outcome = runSchema(doubler, { n: 21 });
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toEqual({ ok: true, value: { n: 42 } });
  });

  it("returns the issues of a failure", () => {
    const outcome = runSchema(doubler, { n: "x" });
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toEqual({ ok: false, issues: [{ message: "n must be a number", path: ["n"] }] });
  });

  it("flattens {key} path segments and keeps plain keys", () => {
    const sym = Symbol("s");
    const s = schema(() => ({
      issues: [{ message: "deep", path: ["a", { key: "b" }, 2, { key: 3 }, sym] }, { message: "no path" }],
    }));
    expect(runSchema(s, null)).toEqual({
      ok: false,
      issues: [{ message: "deep", path: ["a", "b", 2, 3, sym] }, { message: "no path" }],
    });
  });

  it("a successful undefined value is still a success", () => {
    const s = schema(() => ({ value: undefined }));
    expect(runSchema(s, 1)).toEqual({ ok: true, value: undefined });
  });

  it("an empty issue list is a failure", () => {
    const s = schema(() => ({ issues: [] }));
    expect(runSchema(s, 1)).toEqual({ ok: false, issues: [] });
  });

  it("a throwing validate becomes a failure issue", () => {
    const s = schema(() => {
      throw new Error("kaboom");
    });
    const outcome = runSchema(s, 1);
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining("kaboom") }] });
  });

  it("a thrown non-Error is reported too", () => {
    const s = schema(() => {
      throw "plain string";
    });
    expect(runSchema(s, 1)).toMatchObject({
      ok: false,
      issues: [{ message: expect.stringContaining("plain string") }],
    });
  });

  it("passes the value through to validate", () => {
    const seen: unknown[] = [];
    const s = schema((v) => {
      seen.push(v);
      return { value: v };
    });
    const data = { x: [1] };
    runSchema(s, data);
    expect(seen).toEqual([data]);
    expect(seen[0]).toBe(data);
  });
});

describe("runSchema: asynchronous", () => {
  it("resolves to the transformed value", async () => {
    const s = schema(async (v) => ({ value: String(v).toUpperCase() }));
    const outcome = runSchema(s, "abc");
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).resolves.toEqual({ ok: true, value: "ABC" });
  });

  it("resolves to the issues of a failure", async () => {
    const s = schema(async () => ({ issues: [{ message: "nope", path: [{ key: "k" }] }] }));
    await expect(runSchema(s, 1)).resolves.toEqual({ ok: false, issues: [{ message: "nope", path: ["k"] }] });
  });

  it("a rejecting validate becomes a failure issue", async () => {
    const s = schema(() => Promise.reject(new Error("async kaboom")));
    await expect(runSchema(s, 1)).resolves.toMatchObject({
      ok: false,
      issues: [{ message: expect.stringContaining("async kaboom") }],
    });
  });
});

describe("isStandardSchema", () => {
  it("accepts an object with ~standard.validate", () => {
    expect(isStandardSchema(doubler)).toBe(true);
  });

  it("accepts a callable schema (arktype-style function with ~standard)", () => {
    const fn = Object.assign(() => true, {
      "~standard": { version: 1, vendor: "fn", validate: (v: unknown) => ({ value: v }) },
    });
    expect(isStandardSchema(fn)).toBe(true);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "schema"],
    ["a number", 1],
    ["a plain object", { parse: () => 1 }],
    ["~standard without validate", { "~standard": { version: 1, vendor: "x" } }],
    ["validate not a function", { "~standard": { version: 1, vendor: "x", validate: true } }],
    ["~standard null", { "~standard": null }],
    ["~standard a function", { "~standard": () => ({}) }],
  ])("refuses %s", (_label, value) => {
    expect(isStandardSchema(value)).toBe(false);
  });
});
