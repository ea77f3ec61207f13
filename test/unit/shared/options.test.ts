import { describe, expect, it } from "vitest";
import { PayloadTooLargeError, ValidationError } from "../../../src/contract/errors";
import { readSharedOptions, SHARED_DEFAULTS, sharedMismatch } from "../../../src/shared/options";
import { thrownBy } from "../support";

const read = (opts: unknown) => readSharedOptions("my-module", "board", opts);

describe("readSharedOptions", () => {
  it("fills the defaults and keeps `initial` as a frozen JSON copy with its size", () => {
    const initial = { round: 1, list: [1] };
    const config = read({ initial });
    expect(config).toMatchObject({
      initial,
      initialBytes: JSON.stringify(initial).length,
      write: "gm",
      persist: false,
      patchRate: 50,
      maxBytes: 1_048_576,
      maxPatchBytes: 262_144,
    });
    expect(SHARED_DEFAULTS).toMatchObject({ write: "gm", patchRate: 50 });
    expect(config.initial).not.toBe(initial);
    expect(Object.isFrozen(config.initial)).toBe(true);
    expect(read({ initial: null, patchRate: 0, write: "player", persist: true })).toMatchObject({
      initial: null,
      patchRate: 0,
      write: "player",
      persist: true,
    });
  });

  it.each([
    ["no options", undefined, /"initial" value are required/],
    ["no initial", {}, /"initial" is required/],
    [
      "an initial that is not JSON",
      { initial: { when: new Date() } },
      /initial\.when is an instance of Date/,
    ],
    ["an undefined initial", { initial: undefined }, /initial is undefined/],
    ["a function in initial", { initial: { list: [() => 1] } }, /initial\.list\[0\] is a function/],
    ["a reserved key in initial", { initial: JSON.parse('{"a":{"__proto__":1}}') }, /reserved key/],
    ["an unknown option", { initial: 1, interval: 5 }, /unknown shared option "interval"/],
    ["a bad write", { initial: 1, write: "admin" }, /write must be/],
    ["a bad schema", { initial: 1, schema: { validate: () => true } }, /Standard Schema/],
    ["a bad persist", { initial: 1, persist: "yes" }, /persist must be/],
    ["a negative patchRate", { initial: 1, patchRate: -1 }, /patchRate must be/],
    ["a patchRate over a minute", { initial: 1, patchRate: 60_001 }, /patchRate must be/],
    ["a fractional maxBytes", { initial: 1, maxBytes: 1.5 }, /maxBytes must be/],
    ["a zero maxPatchBytes", { initial: 1, maxPatchBytes: 0 }, /maxPatchBytes must be/],
  ])("refuses %s with a ValidationError", (_what, opts, message) => {
    const error = thrownBy(() => read(opts));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
    expect((error as ValidationError).moduleId).toBe("my-module");
  });

  it("checks `initial` against a synchronous schema", () => {
    const positive = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (v: unknown) =>
          typeof v === "number" && v > 0 ? { value: v } : { issues: [{ message: "not > 0" }] },
      },
    };
    expect(() => read({ initial: 0, schema: positive })).toThrow(/initial fails the schema: not > 0/);
    expect(read({ initial: 1, schema: positive }).schema).toBe(positive);
  });

  it("refuses an initial value over maxBytes with a PayloadTooLargeError", () => {
    expect(() => read({ initial: "x".repeat(100), maxBytes: 50 })).toThrow(PayloadTooLargeError);
    expect(() => read({ initial: "x".repeat(48), maxBytes: 50 })).not.toThrow();
  });
});

describe("sharedMismatch", () => {
  const base = read({ initial: { a: 1 }, write: "player" });

  it("lets a second call share the state when its data options match (functions are not compared)", () => {
    expect(sharedMismatch(base, read({ initial: { a: 1 }, write: "player" }))).toBeNull();
    const withFn = read({ initial: 0, write: () => true });
    expect(sharedMismatch(withFn, read({ initial: 0, write: () => false }))).toBeNull();
  });

  it.each([
    ["initial", { initial: { a: 2 }, write: "player" }],
    ["write", { initial: { a: 1 } }],
    ["write", { initial: { a: 1 }, write: () => true }],
    ["persist", { initial: { a: 1 }, write: "player", persist: true }],
    ["patchRate", { initial: { a: 1 }, write: "player", patchRate: 0 }],
    ["maxBytes", { initial: { a: 1 }, write: "player", maxBytes: 10_000 }],
    ["maxPatchBytes", { initial: { a: 1 }, write: "player", maxPatchBytes: 10_000 }],
  ])("names %s when it differs", (name, opts) => {
    expect(sharedMismatch(base, read(opts))).toBe(name);
  });
});
