import { describe, expect, it } from "vitest";
import {
  MAX_VERSION,
  readFetchReply,
  readPatchMessage,
  readPollReply,
  readProposeMessage,
  readProposeReply,
  readSnapshotMessage,
  readWantMessage,
} from "../../../src/shared/wire";

const ref = { m: "mod", k: "board" };

describe("the shared-state messages", () => {
  it("reads well-formed messages", () => {
    const patch = { ...ref, e: "s.1", f: 3, v: 5, by: "gm", o: [[["a"], 1]] };
    expect(readPatchMessage(patch)).toEqual(patch);
    const handover = { ...ref, pe: "s.1", e: "t.1", f: 5, v: 5, by: "gm", o: [] };
    expect(readPatchMessage(handover)).toEqual(handover);
    expect(readSnapshotMessage({ ...ref, e: "s.1", v: 0, by: "gm", d: null })).toEqual({
      ...ref,
      e: "s.1",
      v: 0,
      by: "gm",
      d: null,
    });
    expect(readWantMessage({ ...ref, e: null, v: 0 })).toEqual({ ...ref, e: null, v: 0 });
    expect(readProposeMessage({ ...ref, o: [[["x"]]] })).toEqual({ ...ref, o: [[["x"]]] });
    expect(readPollReply({ e: "s.1", v: 4, s: 1 })).toEqual({ e: "s.1", v: 4, s: 1 });
    expect(readFetchReply({ e: "s.1", v: 4, d: { a: 1 } })).toEqual({ e: "s.1", v: 4, d: { a: 1 } });
    expect(readProposeReply({ v: 7 })).toEqual({ v: 7 });
    expect(readProposeReply({ x: "NoGMError", m: "later", r: 1 })).toEqual({
      x: "NoGMError",
      m: "later",
      r: 1,
    });
  });

  it.each([
    ["a patch going backwards", () => readPatchMessage({ ...ref, e: "s", f: 5, v: 4, by: "gm", o: [] })],
    [
      "a patch standing still without a handover",
      () => readPatchMessage({ ...ref, e: "s", f: 5, v: 5, by: "gm", o: [] }),
    ],
    [
      "a version past MAX_VERSION",
      () => readPatchMessage({ ...ref, e: "s", f: 0, v: MAX_VERSION + 1, by: "gm", o: [] }),
    ],
    ["a fractional version", () => readSnapshotMessage({ ...ref, e: "s", v: 1.5, by: "gm", d: 1 })],
    ["a snapshot without a value", () => readSnapshotMessage({ ...ref, e: "s", v: 1, by: "gm" })],
    ["a module id over 64 characters", () => readWantMessage({ m: "x".repeat(65), k: "b", e: null, v: 0 })],
    ["an empty key", () => readWantMessage({ m: "mod", k: "", e: null, v: 0 })],
    ["a want with a numeric epoch", () => readWantMessage({ ...ref, e: 5, v: 0 })],
    ["a proposal without operations", () => readProposeMessage({ ...ref })],
    ["a poll reply with s: 2", () => readPollReply({ e: null, v: 0, s: 2 })],
    ["a fetch reply without an epoch", () => readFetchReply({ v: 1, d: 1 })],
    ["a reply that is neither", () => readProposeReply({ y: 1 })],
    ["a list", () => readSnapshotMessage([ref])],
  ])("refuses %s", (_what, read) => {
    expect(read()).toBeNull();
  });
});
