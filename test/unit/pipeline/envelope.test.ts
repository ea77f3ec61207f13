/** Message ids and addressing. */
import { describe, expect, it } from "vitest";
import { isAddressedTo, messageId } from "../../../src/pipeline/envelope";

describe("messageId", () => {
  it("is session:sequence, also when ids of several sessions take turns (the prefix is kept per last session)", () => {
    expect(messageId("s1", 1)).toBe("s1:1");
    expect(messageId("s1", 2)).toBe("s1:2");
    expect(messageId("other", 7)).toBe("other:7");
    expect(messageId("s1", 3)).toBe("s1:3");
    expect(messageId("", 4)).toBe(":4");
  });
});

describe("isAddressedTo", () => {
  it("a broadcast is for everyone; a targeted envelope only for its targets", () => {
    const env = { q: 1, k: "msg" as const, c: "m", e: "e", a: 0 };
    expect(isAddressedTo(env, "u1")).toBe(true);
    expect(isAddressedTo({ ...env, t: ["u2"] }, "u1")).toBe(false);
    expect(isAddressedTo({ ...env, t: ["u1", "u2"] }, "u1")).toBe(true);
  });
});
