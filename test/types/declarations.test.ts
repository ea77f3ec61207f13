/**
 * The shipped declarations, after `npm run build`: dist/socket-manager.d.ts, the types package in types/ and
 * the API report. The consumer projects beside this file are compiled by `npm run typecheck:consumer`; here a
 * deliberately wrong consumer must fail to compile, so that a loosened type cannot pass unnoticed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  DIST_DTS,
  finish,
  PACKAGE_DTS,
  PACKAGE_JSON,
  reportProblem,
  UPDATE_COMMAND,
} from "../../scripts/declarations";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(REPO, "node_modules/typescript/bin/tsc");
const read = (path: string) => readFileSync(path, "utf8");
const version = (path: string) => (JSON.parse(read(path)) as { version: string }).version;

describe("the built declarations", () => {
  it("exist in dist/ (run `npm run build` first)", () => {
    expect(existsSync(DIST_DTS), `${DIST_DTS} is missing: run \`npm run build\``).toBe(true);
  });

  it("declare the public API, the hooks and the global, and nothing they would need to import", () => {
    const dts = read(DIST_DTS);
    for (const name of ["Api", "UntypedChannel", "TypedChannel<Events>", "Config", "MessageContext"]) {
      expect(dts).toMatch(new RegExp(`^export interface ${name.replace(/[<>]/g, "\\$&")} `, "m"));
    }
    expect(dts).toMatch(/^export type Channel<Events = unknown> = /m);
    for (const name of [
      "HandlerOptions<T = unknown>",
      "EmitOptions",
      "RequestOptions",
      "RequestAllOptions",
    ]) {
      expect(dts).toContain(`export interface ${name} {`);
    }
    expect(dts).toMatch(/^declare global \{$/m);
    expect(dts).toContain("interface SocketManagerHooks {");
    expect(dts).toContain('"socket-manager.ready": (api: Api) => void;');
    expect(dts).toContain("var SocketManager: Api;");
    // The error classes are types only: the package has no code to import them from.
    expect(dts).not.toMatch(/^export declare class /m);
    expect(dts).toMatch(/^export type \{\n(?: {2}\w+,\n)*\s*TimeoutError,/m);
    expect(dts).not.toMatch(/^\s*import\s|\bimport\(|\/\/\/ <reference/m);
    // No Foundry global of the author's is redeclared.
    expect(dts).not.toMatch(
      /^\s*(?:export )?(?:declare )?(?:var|const|let|class|function|namespace) (?:Hooks|game)\b/m,
    );
    // Internals stay out.
    expect(dts).not.toMatch(
      /\b(?:ChannelImpl|ChannelHost|FoundryEnv|Envelope|createApi|installSocketManager)\b/,
    );
  });

  it("are the types package's index.d.ts", () => {
    expect(read(PACKAGE_DTS)).toBe(read(DIST_DTS));
  });

  it(`equal the API report api/socket-manager.api.d.ts (else: \`${UPDATE_COMMAND}\`)`, () => {
    const problem = reportProblem();
    expect(problem, problem ?? "").toBeNull();
  });

  it("has a report check that names the differing line and the command that updates the report", () => {
    const dir = mkdtempSync(join(tmpdir(), "sm-report-"));
    try {
      const built = join(dir, "built.d.ts");
      const report = join(dir, "report.d.ts");
      writeFileSync(built, "export interface Api {\n  version: string;\n}\n");
      writeFileSync(report, "export interface Api {\n  version: number;\n}\n");
      const problem = reportProblem(built, report) ?? "";
      expect(problem).toContain("at line 2");
      expect(problem).toContain("version: number;");
      expect(problem).toContain(UPDATE_COMMAND);
      writeFileSync(report, read(built));
      expect(reportProblem(built, report)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses output without its global block or with an import", () => {
    const good = "export declare class A {\n}\ndeclare global {\n\tvar X: A;\n}\n\nexport {};\n";
    expect(finish(good)).toContain("export type {\n  A,\n};");
    expect(finish(good)).toContain("  var X: A;");
    expect(() => finish(good.replace("declare global", "declare namespace G"))).toThrow(/declare global/);
    expect(() => finish(`import type { B } from "b";\n${good}`)).toThrow(/self-contained/);
  });
});

describe("the types package (types/)", () => {
  it("has the version of module.json and package.json", () => {
    const moduleVersion = version(join(REPO, "module.json"));
    expect(version(PACKAGE_JSON)).toBe(moduleVersion);
    expect(version(join(REPO, "package.json"))).toBe(moduleVersion);
  });

  it("declares its types and packs exactly them", () => {
    const pkg = JSON.parse(read(PACKAGE_JSON)) as { name: string; types: string; files: string[] };
    expect(pkg.name).toBe("@socket-manager/types");
    expect(pkg.types).toBe("index.d.ts");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts", "./types"], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const [packed] = JSON.parse(out) as { name: string; version: string; files: { path: string }[] }[];
    expect(packed?.name).toBe("@socket-manager/types");
    expect(packed?.version).toBe(version(join(REPO, "module.json")));
    expect(packed?.files.map((f) => f.path).sort()).toEqual(["README.md", "index.d.ts", "package.json"]);
  }, 30_000);
});

describe("a consumer that gets the types wrong", () => {
  const dir = mkdtempSync(join(tmpdir(), "sm-consumer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function compile(source: string): string {
    writeFileSync(join(dir, "main.ts"), source);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          lib: ["ES2022"],
          types: [],
          strict: true,
          noEmit: true,
          paths: { "@socket-manager/types": [DIST_DTS] },
        },
        files: ["main.ts"],
      }),
    );
    const run = spawnSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
    return `${run.stdout}${run.stderr}`;
  }

  const header = [
    'import type { Api } from "@socket-manager/types";',
    "interface Events { move: { x: number }; roll: { data: string; result: number } }",
    "declare const api: Api;",
    'const socket = api.channel<Events>("my-module");',
    "",
  ].join("\n");

  it("compiles when it is right", () => {
    const ok = `${header}socket.emit("move", { x: 1 });\nsocket.request("roll", "1d20").then((n: number) => n);\n`;
    expect(compile(ok)).toBe("");
  }, 30_000);

  it("fails to compile on a wrong payload, an unknown event and a wrong result", () => {
    const wrong = [
      'socket.emit("move", { x: "1" });',
      'socket.emit("mvoe", { x: 1 });',
      'socket.request("roll", "1d20").then((s: string) => s);',
      'SocketManager.channel<Events>("m").on("move", (d: { y: number }) => d);',
    ].join("\n");
    const out = compile(`${header}${wrong}\n`);
    expect(out).toMatch(/main\.ts\(5,\d+\): error TS2322/);
    expect(out).toMatch(/main\.ts\(6,\d+\): error TS2345/);
    expect(out).toMatch(/main\.ts\(7,\d+\): error TS2345/);
    expect(out).toMatch(/main\.ts\(8,\d+\): error TS2345/);
  }, 30_000);
});
