/** files.list over an in-memory tree through the FilePicker of v12 (global) and v13 (namespaced). */
import { describe, expect, it } from "vitest";
import { MAX_FILE_ENTRIES } from "../../../../src/bridge/operations/files";
import type { FileListResult } from "../../../../src/bridge/operations/index";
import { operationsFixture } from "./fixture";

const FILES = {
  data: ["maps/cave.webp", "maps/keep.jpg", "maps/old/ruin.webp", "tokens/hero.png", "readme.txt"],
};

describe("files.list", () => {
  for (const version of [12, 13] as const) {
    it(`lists one folder: its sub-folders and files (v${version})`, async () => {
      const f = operationsFixture({ files: FILES, version });
      await expect(f.ok<FileListResult>("files.list", { target: "maps" })).resolves.toEqual({
        source: "data",
        target: "maps",
        dirs: ["maps/old"],
        files: ["maps/cave.webp", "maps/keep.jpg"],
        truncated: false,
      });
      const root = await f.ok<FileListResult>("files.list", {});
      expect(root).toMatchObject({ target: "", dirs: ["maps", "tokens"], files: ["readme.txt"] });
    });
  }

  it("passes extensions to Foundry's browse", async () => {
    const f = operationsFixture({ files: FILES });
    const webp = await f.ok<FileListResult>("files.list", { target: "maps", extensions: [".webp"] });
    expect(webp.files).toEqual(["maps/cave.webp"]);
    expect(f.sim.browsed.at(-1)).toEqual(["data", "maps", { extensions: [".webp"] }]);
  });

  it("a folder that does not exist is NOT_FOUND with Foundry's reason", async () => {
    const f = operationsFixture({ files: FILES });
    const e = await f.error("files.list", { target: "nowhere" });
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toContain('files.list: cannot browse "nowhere" in data');
  });

  it("refuses other sources, '..' segments and bad extensions before browsing", async () => {
    const f = operationsFixture({ files: FILES });
    expect((await f.error("files.list", { source: "s3" })).code).toBe("VALIDATION");
    expect((await f.error("files.list", { target: "maps/../../etc" })).message).toBe(
      'files.list: data target must not contain ".." segments',
    );
    expect((await f.error("files.list", { extensions: ["webp"] })).code).toBe("VALIDATION");
    for (const target of ["maps\\..\\..\\etc", "maps/%2e%2e/%2e%2e/etc", "maps/..%2Fetc"])
      expect((await f.error("files.list", { target })).message).toBe(
        "files.list: data target must not contain a backslash or a percent sign",
      );
    expect(f.sim.browsed).toEqual([]);
  });

  it("cuts long listings to the bound and says so", async () => {
    const many = Array.from({ length: MAX_FILE_ENTRIES + 5 }, (_, i) => `big/f${i}.png`);
    const f = operationsFixture({ files: { data: many } });
    const out = await f.ok<FileListResult>("files.list", { target: "big" });
    expect(out.files).toHaveLength(MAX_FILE_ENTRIES);
    expect(out.truncated).toBe(true);
  });
});
