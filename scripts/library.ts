/**
 * The library's declarations, after `vite build --config vite.library.config.ts` wrote library/dist/:
 * library/dist/index.d.ts, one self-contained file (dts-bundle-generator, as for the module's declarations),
 * and the library's package.json version kept equal to the module's.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const LIBRARY = join(REPO, "library");

const [dts] = generateDtsBundle([
  { filePath: join(REPO, "src/library/index.ts"), output: { noBanner: true, exportReferencedTypes: false } },
]);
if (dts === undefined || !dts.includes("connectSocketManager"))
  throw new Error("the library's declarations are empty");
if (/^import /m.test(dts)) throw new Error("the library's declarations must not import anything");
writeFileSync(
  join(LIBRARY, "dist/index.d.ts"),
  `// Socket Manager as a library. Generated from src/library/index.ts by scripts/library.ts: do not edit.\n\n${dts.replace(/\t/g, "  ")}`,
);

const version = (JSON.parse(readFileSync(join(REPO, "module.json"), "utf8")) as { version: string }).version;
const pkgPath = join(LIBRARY, "package.json");
const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string };
if (pkg.version !== version) {
  pkg.version = version;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
}
