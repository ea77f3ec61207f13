import { describe, expect, it } from "vitest";
import { type FoundryUser, UserRole } from "../../../src/foundry/types";
import { isPermission, isPermitted, type Permission } from "../../../src/pipeline/permission";

function user(role: FoundryUser["role"]): FoundryUser {
  return { id: `u${role}`, name: `User ${role}`, active: true, isGM: role >= UserRole.ASSISTANT, role };
}

const ROLES = [1, 2, 3, 4] as const;

describe("isPermitted: role thresholds", () => {
  it.each([
    ["player", [true, true, true, true]],
    ["trusted", [false, true, true, true]],
    ["assistant", [false, false, true, true]],
    ["gm", [false, false, false, true]],
  ] as const)("%s", (permission, expected) => {
    expect(ROLES.map((role) => isPermitted(permission, user(role)))).toEqual(expected);
  });

  it("undefined permission allows everyone", () => {
    for (const role of ROLES) expect(isPermitted(undefined, user(role))).toBe(true);
  });

  it("matches Foundry's role numbers", () => {
    expect(UserRole).toEqual({ PLAYER: 1, TRUSTED: 2, ASSISTANT: 3, GAMEMASTER: 4 });
  });
});

describe("isPermitted: predicates", () => {
  it("passes the sender and honours true and false", () => {
    const seen: FoundryUser[] = [];
    const onlyU2: Permission = (sender) => {
      seen.push(sender);
      return sender.id === "u2";
    };
    const u2 = user(2);
    expect(isPermitted(onlyU2, u2)).toBe(true);
    expect(isPermitted(onlyU2, user(4))).toBe(false);
    expect(seen[0]).toBe(u2);
  });

  it("a throwing predicate refuses", () => {
    const throws: Permission = () => {
      throw new Error("boom");
    };
    expect(isPermitted(throws, user(4))).toBe(false);
  });
});

describe("isPermission", () => {
  it.each(["player", "trusted", "assistant", "gm"])("accepts %j", (value) => {
    expect(isPermission(value)).toBe(true);
  });

  it("accepts a function", () => {
    expect(isPermission(() => true)).toBe(true);
  });

  it.each([
    ["an unknown role", "admin"],
    ["a capitalised role", "GM"],
    ["an inherited key", "toString"],
    ["__proto__", "__proto__"],
    ["a role number", 4],
    ["null", null],
    ["undefined", undefined],
    ["an object", { role: "gm" }],
  ])("refuses %s", (_label, value) => {
    expect(isPermission(value)).toBe(false);
  });
});
