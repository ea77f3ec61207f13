/** The testing kit as it ships: its README example is this folder's test, and its package packs what it needs. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = join(__dirname, "../..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");

describe("the testing kit", () => {
  it("README's complete example is exactly test/kit/example.test.ts, which npm test runs", () => {
    const example = read("test/kit/example.test.ts");
    expect(read("README.md")).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it("packs its built module, declarations and README, at the module's version, importing nothing", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json"], {
      cwd: join(REPO, "testing"),
      encoding: "utf8",
    });
    const [pack] = JSON.parse(out) as [{ name: string; version: string; files: { path: string }[] }];
    expect(pack.name).toBe("@socket-manager/testing");
    expect(pack.version).toBe((JSON.parse(read("module.json")) as { version: string }).version);
    expect(pack.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "dist/index.d.ts",
      "dist/index.js",
      "package.json",
    ]);
    const code = read("testing/dist/index.js");
    expect(code).not.toMatch(/^import .* from "(?!node:)/m);
    expect(read("testing/dist/index.d.ts")).not.toMatch(/^import /m);
  });
});
