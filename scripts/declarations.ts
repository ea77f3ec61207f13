/**
 * The second half of `npm run build` (after vite): the public API's declarations in one file.
 *
 *   dist/socket-manager.d.ts   beside the bundle, for anyone who copies dist/
 *   types/index.d.ts           the same text, for the npm types package in types/ (its version synced here)
 *
 *   tsx scripts/declarations.ts           build both (what `npm run build` runs)
 *   tsx scripts/declarations.ts --check   fail when dist/socket-manager.d.ts differs from the API report
 *   tsx scripts/declarations.ts --update  build both and rewrite the API report (`npm run api:update`)
 *
 * The API report, api/socket-manager.api.d.ts, is the same text checked in: a change to the public API shows up
 * in review as a diff of that file, and `npm test` fails until it is updated on purpose.
 *
 * The tool is dts-bundle-generator (a dev dependency, pinned so that the report's text does not move between
 * versions): it runs the TypeScript compiler we already have over types/src/index.ts, inlines every declaration
 * that entry reaches from src/contract/ into one self-contained file, and keeps the entry's `declare global`
 * block (inlineDeclareGlobals). API Extractor drops `declare global` blocks from its rollups and brings a
 * TypeScript of its own; a rollup plugin would need rollup beside vite's rolldown; hand-written bundling over the
 * compiler API would have to resolve name collisions and re-exports itself. Two small edits follow: the
 * error classes are exported as types only (the package ships no code, so `import { TimeoutError }` must not
 * compile: their values are `api.errors.*`), and tabs become the repository's two spaces.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";

const REPO = fileURLToPath(new URL("..", import.meta.url));

export const ENTRY = join(REPO, "types/src/index.ts");
export const DIST_DTS = join(REPO, "dist/socket-manager.d.ts");
export const PACKAGE_DTS = join(REPO, "types/index.d.ts");
export const PACKAGE_JSON = join(REPO, "types/package.json");
export const REPORT = join(REPO, "api/socket-manager.api.d.ts");
export const UPDATE_COMMAND = "npm run api:update";

const HEADER = [
  "// Socket Manager: the public API's declarations (types only; the module's code is reached at run time as",
  '// `game.modules.get("socket-manager").api` or `globalThis.SocketManager`). Generated from',
  "// types/src/index.ts by scripts/declarations.ts: do not edit.",
  "",
  "",
].join("\n");

/** The declarations as built from the entry, before any file is written. */
export function generateDeclarations(): string {
  const [raw] = generateDtsBundle(
    [
      {
        filePath: ENTRY,
        output: { inlineDeclareGlobals: true, exportReferencedTypes: false, noBanner: true },
      },
    ],
    { preferredConfigPath: join(REPO, "types/tsconfig.json") },
  );
  if (raw === undefined) throw new Error("dts-bundle-generator produced nothing");
  return finish(raw);
}

/** Classes as type-only exports, two-space indentation, the header; and the checks that keep it shippable. */
export function finish(raw: string): string {
  const classes: string[] = [];
  let text = raw.replace(/^export declare class (\w+)/gm, (_, name: string) => {
    classes.push(name);
    return `declare class ${name}`;
  });
  if (classes.length === 0) throw new Error("no exported class found: the error classes are part of the API");
  text = text.replace(/^\t+/gm, (tabs) => "  ".repeat(tabs.length));
  text = text.replace(/\n*export \{\};\s*$/, "");
  text = `${HEADER}${text.trimEnd()}\n\nexport type {\n${classes
    .sort()
    .map((c) => `  ${c},`)
    .join("\n")}\n};\n`;
  if (!/^declare global \{$/m.test(text))
    throw new Error("the declarations lost their `declare global` block");
  if (/^\s*import\s|\bimport\(/m.test(text)) {
    throw new Error("the declarations import another package: they must be self-contained");
  }
  return text;
}

/** Puts the version of package.json into types/package.json; true when it changed. */
export function syncPackageVersion(): boolean {
  const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  const source = readFileSync(PACKAGE_JSON, "utf8");
  const types = JSON.parse(source) as { version: string };
  if (types.version === version) return false;
  types.version = version;
  writeFileSync(PACKAGE_JSON, `${JSON.stringify(types, null, 2)}\n`);
  return true;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Null when the built declarations equal the report, else what is wrong and how to fix it. */
export function reportProblem(built = DIST_DTS, report = REPORT): string | null {
  if (!existsSync(built)) return `${relative(REPO, built)} is missing: run \`npm run build\` first`;
  const normalize = (s: string) => s.replace(/\r\n/g, "\n");
  if (!existsSync(report)) {
    return `${relative(REPO, report)} is missing: run \`${UPDATE_COMMAND}\` and commit it`;
  }
  const a = normalize(readFileSync(built, "utf8")).split("\n");
  const b = normalize(readFileSync(report, "utf8")).split("\n");
  if (a.join("\n") === b.join("\n")) return null;
  let line = 0;
  while (line < a.length && a[line] === b[line]) line++;
  return [
    `The public API changed: ${relative(REPO, built)} differs from ${relative(REPO, report)} at line ${line + 1}.`,
    `  report: ${b[line] ?? "(end of file)"}`,
    `  built:  ${a[line] ?? "(end of file)"}`,
    `If the change is meant, run \`${UPDATE_COMMAND}\` and commit api/socket-manager.api.d.ts with it.`,
  ].join("\n");
}

const direct = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (direct) {
  const args = new Set(process.argv.slice(2));
  try {
    if (args.has("--check")) {
      const problem = reportProblem();
      if (problem) {
        process.stderr.write(`${problem}\n`);
        process.exit(1);
      }
      process.stdout.write(`${relative(REPO, DIST_DTS)} matches ${relative(REPO, REPORT)}\n`);
    } else {
      const text = generateDeclarations();
      write(DIST_DTS, text);
      write(PACKAGE_DTS, text);
      const synced = syncPackageVersion();
      const written = [DIST_DTS, PACKAGE_DTS];
      if (args.has("--update")) {
        write(REPORT, text);
        written.push(REPORT);
      }
      process.stdout.write(
        `Declarations (${(text.length / 1024).toFixed(1)} KiB): ${written.map((p) => relative(REPO, p)).join(", ")}` +
          `${synced ? "; types/package.json version synced with package.json" : ""}\n`,
      );
    }
  } catch (e) {
    process.stderr.write(`declarations failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
