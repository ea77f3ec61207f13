/**
 * `npm run package` (after `npm run build`): the release files a GM installs from one URL.
 *
 *   dist/module.json   the built manifest with `version` from package.json and `url`, `manifest`, `download`
 *   dist/module.zip    module.json, socket-manager.js and the chunks it loads, lang/, templates/, styles/ at the
 *                      zip's root
 *
 * URLs: the base is package.json `foundry.manifestBase` when set, else `<repository.url>/releases` (GitHub's
 * layout); `manifest` = `<base>/latest/download/module.json` (always the newest release's manifest) and
 * `download` = `<base>/download/v<version>/module.zip` (this version's zip). Attach both files to the
 * release tagged `v<version>`.
 *
 * Source maps stay out of the zip (players' browsers do not need them; dist/ keeps the map for developers),
 * and the bundle's `sourceMappingURL` comment is dropped from the zipped copy so that no browser asks for a
 * missing file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { moduleFiles } from "./chunks";
import { createZip, type ZipInput } from "./zip";

const REPO = fileURLToPath(new URL("..", import.meta.url));
export const MODULE_ID = "socket-manager";
/** Folders of dist/ that go into the zip whole (besides module.json and the ES modules it names). */
const MODULE_DIRS = ["lang", "templates", "styles"];

export interface PackageJson {
  name?: string;
  version: string;
  repository?: string | { type?: string; url?: string };
  foundry?: { manifestBase?: string };
}

export interface ModuleManifest {
  id: string;
  title: string;
  version: string;
  url?: string;
  manifest?: string;
  download?: string;
  esmodules?: string[];
  styles?: string[];
  languages?: { lang: string; name?: string; path: string }[];
  [key: string]: unknown;
}

export interface PackageOptions {
  /** The built module folder (default dist/). */
  dist?: string;
  /** Where module.json and module.zip are written (default: `dist`). */
  out?: string;
  /** Default: the repository's package.json. */
  pkg?: PackageJson;
  /** Time stamped on the zip's entries (default SOURCE_DATE_EPOCH, else now). */
  modified?: Date;
}

export interface PackageResult {
  manifest: ModuleManifest;
  manifestPath: string;
  zipPath: string;
  /** Names inside the zip, in order. */
  entries: string[];
  zipBytes: number;
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The repository's web address from package.json `repository` (object or string forms). */
export function repositoryUrl(pkg: PackageJson): string | undefined {
  const raw = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  if (!raw) return undefined;
  const shorthand = /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(raw);
  if (shorthand) return `https://github.com/${shorthand[1]}/${shorthand[2]}`;
  return raw
    .replace(/^git\+/, "")
    .replace(/^git:\/\//, "https://")
    .replace(/^ssh:\/\/git@/, "https://")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "");
}

function httpsUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${what} is not a URL: ${value}`);
  }
  if (url.protocol !== "https:") throw new Error(`${what} must be an https URL: ${value}`);
  return url.href.replace(/\/+$/, "");
}

/** `url`, `manifest` and `download` for a version (see the file's header). */
export function releaseUrls(pkg: PackageJson): { url?: string; manifest: string; download: string } {
  if (!SEMVER.test(pkg.version)) throw new Error(`package.json version is not semver: ${pkg.version}`);
  const repo = repositoryUrl(pkg);
  const baseSource = pkg.foundry?.manifestBase ?? (repo ? `${repo}/releases` : undefined);
  if (!baseSource) {
    throw new Error("package.json needs `repository.url` or `foundry.manifestBase` to build release URLs");
  }
  const base = httpsUrl(baseSource, "the release base URL");
  return {
    ...(repo ? { url: httpsUrl(repo, "repository.url") } : {}),
    manifest: `${base}/latest/download/module.json`,
    download: `${base}/download/v${pkg.version}/module.zip`,
  };
}

function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full).split(sep).join("/"));
    }
  };
  walk(join(root, dir));
  return out;
}

/** Every file module.json points at: ES modules, scripts, styles and language files. */
export function namedFiles(manifest: ModuleManifest): string[] {
  const scripts = Array.isArray(manifest.scripts) ? (manifest.scripts as string[]) : [];
  return [
    ...(manifest.esmodules ?? []),
    ...scripts,
    ...(manifest.styles ?? []),
    ...(manifest.languages ?? []).map((l) => l.path),
  ];
}

export function packageModule(opts: PackageOptions = {}): PackageResult {
  const dist = resolve(opts.dist ?? join(REPO, "dist"));
  const out = resolve(opts.out ?? dist);
  const pkg = opts.pkg ?? (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as PackageJson);
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const modified =
    opts.modified ?? (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date());

  const builtManifest = join(dist, "module.json");
  if (!existsSync(builtManifest)) throw new Error(`no ${builtManifest}: run \`npm run build\` first`);
  const built = JSON.parse(readFileSync(builtManifest, "utf8")) as ModuleManifest;
  if (built.id !== MODULE_ID) throw new Error(`module.json id is ${built.id}, expected ${MODULE_ID}`);

  const manifest: ModuleManifest = { ...built, version: pkg.version, ...releaseUrls(pkg) };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;

  const named = namedFiles(manifest);
  for (const file of named) {
    if (file.startsWith("/") || file.split("/").includes("..")) throw new Error(`module.json names ${file}`);
    if (!existsSync(join(dist, file))) throw new Error(`module.json names ${file}, which is not in ${dist}`);
  }

  const files = new Set<string>();
  // Each ES module with the chunks it loads at start and on first use (siblings in the module's folder).
  for (const entry of manifest.esmodules ?? []) {
    const { core, lazy } = moduleFiles(dist, entry);
    for (const f of [...core, ...lazy]) files.add(f);
  }
  for (const dir of MODULE_DIRS)
    if (existsSync(join(dist, dir))) for (const f of filesUnder(dist, dir)) files.add(f);
  for (const f of named) files.add(f);

  const inputs: ZipInput[] = [{ name: "module.json", data: Buffer.from(manifestText) }];
  const dirs = new Set<string>();
  for (const file of [...files].filter((f) => !f.endsWith(".map")).sort()) {
    const parts = file.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join("/")}/`;
      if (!dirs.has(dir)) {
        dirs.add(dir);
        inputs.push({ name: dir });
      }
    }
    let data = readFileSync(join(dist, file));
    if (file.endsWith(".js")) {
      data = Buffer.from(data.toString("utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n"));
    }
    inputs.push({ name: file, data });
  }

  mkdirSync(out, { recursive: true });
  const manifestPath = join(out, "module.json");
  const zipPath = join(out, "module.zip");
  const zip = createZip(inputs, modified);
  writeFileSync(manifestPath, manifestText);
  writeFileSync(zipPath, zip);
  return { manifest, manifestPath, zipPath, entries: inputs.map((i) => i.name), zipBytes: zip.length };
}

const direct = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (direct) {
  try {
    const r = packageModule();
    const rel = (p: string) => relative(process.cwd(), p) || p;
    process.stdout.write(
      [
        `Packaged ${r.manifest.title} ${r.manifest.version}`,
        `  ${rel(r.manifestPath)}`,
        `  ${rel(r.zipPath)} (${(r.zipBytes / 1024).toFixed(1)} KiB): ${r.entries.filter((e) => !e.endsWith("/")).join(", ")}`,
        `  manifest: ${r.manifest.manifest}`,
        `  download: ${r.manifest.download}`,
        "",
      ].join("\n"),
    );
  } catch (e) {
    process.stderr.write(`package failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
