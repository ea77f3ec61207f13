/** Event and module name rules. (The walk that names a payload's problem is tested through snapshot and the bridge's check.) */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import { assertEventName, assertModuleId } from "../../../src/pipeline/validate";
import { thrownBy } from "../support";

describe("assertEventName", () => {
  it.each(["a", "roll", "update:token", "e".repeat(64), "with spaces", "ünïcödé"])("accepts %j", (name) => {
    expect(() => assertEventName(name, "m")).not.toThrow();
  });

  it.each([
    ["empty", ""],
    ["65 characters", "e".repeat(65)],
    ["a number", 42],
    ["null", null],
    ["undefined", undefined],
    ["an object", { name: "x" }],
  ])("refuses %s, naming the module", (_label, name) => {
    const err = thrownBy(() => assertEventName(name, "my-module"));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).moduleId).toBe("my-module");
    expect((err as ValidationError).message).toContain("my-module");
  });

  it("refuses `$` names unless reserved names are allowed", () => {
    const err = thrownBy(() => assertEventName("$ping", "my-module"));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toContain("$ping");
    expect((err as ValidationError).event).toBe("$ping");
    expect(() => assertEventName("$ping", "socket-manager", true)).not.toThrow();
    expect(() => assertEventName("a$b", "my-module")).not.toThrow();
  });

  it("still refuses an empty or long name when reserved names are allowed", () => {
    expect(() => assertEventName("", "m", true)).toThrow(ValidationError);
    expect(() => assertEventName(`$${"e".repeat(64)}`, "m", true)).toThrow(ValidationError);
  });
});

describe("assertModuleId", () => {
  it.each(["socket-manager", "m", "x".repeat(64)])("accepts %j", (id) => {
    expect(() => assertModuleId(id)).not.toThrow();
  });

  it.each([
    ["empty", ""],
    ["65 characters", "x".repeat(65)],
    ["a number", 7],
    ["null", null],
    ["undefined", undefined],
  ])("refuses %s", (_label, id) => {
    expect(() => assertModuleId(id)).toThrow(ValidationError);
  });
});
