/**
 * After vite built one of the side packages (testing/ or library/): its dist/index.d.ts, one self-contained
 * file (dts-bundle-generator, as for the module's declarations in scripts/declarations.ts), and its
 * package.json version kept equal to the module's.
 *
 *   tsx scripts/package-declarations.ts testing   (entry testing/src/index.ts)
 *   tsx scripts/package-declarations.ts library   (entry src/library/index.ts)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";

const REPO = fileURLToPath(new URL("..", import.meta.url));

const PACKAGES: Record<string, { entry: string; mustDeclare: string; title: string }> = {
  testing: {
    entry: "testing/src/index.ts",
    mustDeclare: "createTestWorld",
    title: "Socket Manager's testing kit",
  },
  library: {
    entry: "src/library/index.ts",
    mustDeclare: "connectSocketManager",
    title: "Socket Manager as a library",
  },
};

const name = process.argv[2] ?? "";
const spec = PACKAGES[name];
if (!spec) throw new Error(`usage: package-declarations.ts ${Object.keys(PACKAGES).join(" | ")}`);

const [dts] = generateDtsBundle([
  { filePath: join(REPO, spec.entry), output: { noBanner: true, exportReferencedTypes: false } },
]);
if (dts === undefined || !dts.includes(spec.mustDeclare))
  throw new Error(`${name}: the declarations are empty`);
if (/^import /m.test(dts)) throw new Error(`${name}: the declarations must not import anything`);
writeFileSync(
  join(REPO, name, "dist/index.d.ts"),
  `// ${spec.title}. Generated from ${spec.entry} by scripts/package-declarations.ts: do not edit.\n\n${dts.replace(/\t/g, "  ")}`,
);

const version = (JSON.parse(readFileSync(join(REPO, "module.json"), "utf8")) as { version: string }).version;
const pkgPath = join(REPO, name, "package.json");
const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string };
if (pkg.version !== version) {
  pkg.version = version;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
}
