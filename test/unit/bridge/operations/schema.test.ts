/** The hand-written Standard Schema checks: bounds, unknown keys, defaults, prototype keys, messages. */
import { describe, expect, it } from "vitest";
import {
  integer,
  jsonObject,
  list,
  object,
  optional,
  refine,
  schema,
  text,
} from "../../../../src/bridge/operations/schema";
import { runSchema } from "../../../../src/pipeline/schema";

const s = schema(
  "demo.op",
  object({
    name: text(1, 5),
    limit: optional(integer(1, 200), 50),
    tags: optional(list(text(1, 3), 2)),
    system: optional(jsonObject(100)),
  }),
);
const issues = (value: unknown) => {
  const out = runSchema(s, value);
  if (out instanceof Promise) throw new Error("the schema must be synchronous");
  return out.ok ? [] : out.issues.map((i) => i.message);
};

describe("world operation schemas", () => {
  it("lets good data through, with defaults filled in", () => {
    const out = runSchema(s, { name: "Hero" });
    expect(out).toEqual({ ok: true, value: { name: "Hero", limit: 50 } });
  });

  it("names the operation and the field of every problem", () => {
    expect(issues({ name: "", limit: 201, tags: ["ok", "long"] })).toEqual([
      "demo.op: data.name must be a string of 1 to 5 characters",
      "demo.op: data.limit must be a whole number from 1 to 200",
      "demo.op: data.tags[1] must be a string of 1 to 3 characters",
    ]);
    expect(issues(null)).toEqual(["demo.op: data must be an object"]);
    expect(issues({ name: "a", extra: 1 })).toEqual(["demo.op: data.extra is not a known field"]);
    expect(issues({})).toEqual(["demo.op: data.name is required"]);
  });

  it("bounds lists, numbers and free-form objects", () => {
    expect(issues({ name: "a", tags: ["a", "b", "c"] })).toEqual([
      "demo.op: data.tags must be a list of at most 2",
    ]);
    expect(issues({ name: "a", limit: 1.5 })).toHaveLength(1);
    expect(issues({ name: "a", system: { text: "x".repeat(200) } })).toEqual([
      "demo.op: data.system must be at most 100 characters of JSON",
    ]);
    expect(issues({ name: "a", system: [] })).toEqual(["demo.op: data.system must be an object"]);
  });

  it("refuses prototype keys at any depth and deep nesting, without recursion", () => {
    const poisoned = JSON.parse('{"a":{"b":{"__proto__":{"admin":true}}}}') as unknown;
    expect(issues({ name: "a", system: poisoned })).toEqual([
      'demo.op: data.system must not contain the key "__proto__"',
    ]);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) deep = deep.x = {} as Record<string, unknown>;
    const big = schema("demo.op", object({ system: jsonObject(10_000) }));
    const out = runSchema(big, { system: root });
    expect(out).toMatchObject({
      ok: false,
      issues: [{ message: expect.stringContaining("nested at most 32") }],
    });
  });

  it("refine adds a rule over the whole value", () => {
    const r = schema(
      "demo.ref",
      refine(object({ id: optional(text(1, 3)), uuid: optional(text(1, 9)) }), (v) =>
        (v.id === undefined) === (v.uuid === undefined) ? "must have exactly one of id and uuid" : null,
      ),
    );
    expect(runSchema(r, { id: "a" })).toEqual({ ok: true, value: { id: "a" } });
    expect(runSchema(r, { id: "a", uuid: "b" })).toMatchObject({
      ok: false,
      issues: [{ message: "demo.ref: data must have exactly one of id and uuid" }],
    });
  });
});
