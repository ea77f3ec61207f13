/**
 * The testing kit's declarations, after `vite build --config vite.testing.config.ts` wrote testing/dist/index.js:
 * testing/dist/index.d.ts, one self-contained file (dts-bundle-generator, as for the module's own declarations
 * in scripts/declarations.ts), and the kit's package.json version kept equal to the module's.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const KIT = join(REPO, "testing");

const [dts] = generateDtsBundle([
  { filePath: join(KIT, "src/index.ts"), output: { noBanner: true, exportReferencedTypes: false } },
]);
if (dts === undefined || !dts.includes("createTestWorld"))
  throw new Error("the testing kit's declarations are empty");
if (/^import /m.test(dts)) throw new Error("the testing kit's declarations must not import anything");
writeFileSync(
  join(KIT, "dist/index.d.ts"),
  `// Socket Manager's testing kit. Generated from testing/src/index.ts by scripts/testing-kit.ts: do not edit.\n\n${dts.replace(/\t/g, "  ")}`,
);

const moduleVersion = (JSON.parse(readFileSync(join(REPO, "module.json"), "utf8")) as { version: string })
  .version;
const pkgPath = join(KIT, "package.json");
const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string };
if (pkg.version !== moduleVersion) {
  pkg.version = moduleVersion;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
}
