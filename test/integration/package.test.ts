/**
 * `npm run package`: dist/module.json and dist/module.zip, as a GM's Foundry would install them. The zip is
 * read back by a small reader written here (central directory + inflateRawSync, CRC checked), extracted into
 * a folder named `socket-manager`, and checked against module.json; `python3 -m zipfile -t` and `unzip -t`
 * cross-check it when present. Works on a private copy of dist/ and writes only to a temp folder.
 */
import { execFileSync, execSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ModuleManifest,
  namedFiles,
  type PackageResult,
  packageModule,
  releaseUrls,
  repositoryUrl,
} from "../../scripts/package";
import { crc32, createZip } from "../../scripts/zip";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const PKG = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };

interface ZipEntry {
  name: string;
  method: number;
  data: Buffer;
  /** Unix mode from the external attributes (made by Unix). */
  mode: number;
}

/** Reads every entry through the central directory; checks sizes and CRC-32 of each. */
function readZip(zip: Buffer): ZipEntry[] {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("no end-of-central-directory record");
  const count = zip.readUInt16LE(end + 10);
  const cdSize = zip.readUInt32LE(end + 12);
  const cdOffset = zip.readUInt32LE(end + 16);
  if (cdOffset + cdSize !== end) throw new Error("the central directory does not end at the end record");
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central header #${n}`);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const external = zip.readUInt32LE(p + 38);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString("utf8", p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;

    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const localName = zip.toString("utf8", local + 30, local + 30 + zip.readUInt16LE(local + 26));
    if (localName !== name) throw new Error(`local name ${localName} differs from central ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + compressed);
    const data = method === 8 ? inflateRawSync(body) : method === 0 ? Buffer.from(body) : null;
    if (!data) throw new Error(`${name}: unsupported method ${method}`);
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, the directory says ${size}`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    entries.push({ name, method, data, mode: external >>> 16 });
  }
  return entries;
}

/** Extracts entries under `root`, refusing any path that would leave it. */
function extract(entries: ZipEntry[], root: string): void {
  for (const e of entries) {
    const target = resolve(root, e.name);
    if (target !== root && !target.startsWith(root + sep)) throw new Error(`${e.name} escapes the folder`);
    if (e.name.endsWith("/")) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, e.data);
    }
  }
}

function has(command: string): boolean {
  try {
    execSync(`command -v ${command}`, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let tmp = "";
let result: PackageResult;
let entries: ZipEntry[];
let folder = "";

beforeAll(() => {
  if (!existsSync(join(REPO, "dist", "socket-manager.js"))) {
    execSync("npm run build", { cwd: REPO, stdio: "pipe", timeout: 120_000 });
  }
  tmp = mkdtempSync(join(tmpdir(), "socket-manager-package-"));
  // A private copy: a concurrent `vite build` empties dist/.
  cpSync(join(REPO, "dist"), join(tmp, "dist"), { recursive: true });
  result = packageModule({ dist: join(tmp, "dist"), out: join(tmp, "release") });
  entries = readZip(readFileSync(result.zipPath));
  folder = join(tmp, "install", "socket-manager");
  mkdirSync(folder, { recursive: true });
  extract(entries, folder);
}, 150_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("npm run package", () => {
  it("writes module.json and module.zip, with the module's files at the zip's root", () => {
    expect(existsSync(result.manifestPath)).toBe(true);
    const names = entries.map((e) => e.name);
    expect(names).toContain("module.json");
    expect(names).toContain("socket-manager.js");
    expect(names).toContain("lang/en.json");
    expect(names.some((n) => /^templates\/.+\.hbs$/.test(n))).toBe(true);
    expect(names.some((n) => /^styles\/.+\.css$/.test(n))).toBe(true);
    // Nothing nested under an extra top folder, no source maps, no stray archives.
    expect(names.filter((n) => !n.includes("/") || /^(lang|templates|styles)\//.test(n))).toEqual(names);
    expect(names.filter((n) => n.endsWith(".map") || n.endsWith(".zip"))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(entries.find((e) => e.name === "socket-manager.js")?.method).toBe(8);
    for (const e of entries) expect(e.mode & 0o777).toBe(e.name.endsWith("/") ? 0o755 : 0o644);
  });

  it("extracted into a folder named socket-manager, module.json's id matches the folder and its version package.json's", () => {
    const manifest = JSON.parse(readFileSync(join(folder, "module.json"), "utf8")) as ModuleManifest;
    expect(manifest.id).toBe("socket-manager");
    expect(manifest.id).toBe(folder.split(sep).at(-1));
    expect(manifest.version).toBe(PKG.version);
    expect(manifest.title).toBe("Socket Manager");
    expect(manifest.socket).toBe(true);
    expect(manifest.library).toBe(true);
    // The manifest next to the zip is the one inside it.
    expect(readFileSync(result.manifestPath, "utf8")).toBe(readFileSync(join(folder, "module.json"), "utf8"));
  });

  it("every file module.json names exists in the extracted folder", () => {
    const manifest = JSON.parse(readFileSync(join(folder, "module.json"), "utf8")) as ModuleManifest;
    const named = namedFiles(manifest);
    expect(manifest.esmodules).toEqual(["socket-manager.js"]);
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const file of named) expect(existsSync(join(folder, file)), file).toBe(true);
    const lang = JSON.parse(readFileSync(join(folder, "lang", "en.json"), "utf8")) as Record<string, unknown>;
    expect(lang).toHaveProperty("SOCKET_MANAGER");
    // The entry and every chunk it loads, each as built without its source-map comment.
    const built = readdirSync(join(tmp, "dist")).filter((f) => f.endsWith(".js"));
    expect(built.length).toBeGreaterThan(1);
    for (const file of built) {
      const js = readFileSync(join(folder, file), "utf8");
      expect(js).toBe(
        readFileSync(join(tmp, "dist", file), "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n"),
      );
      expect(js).not.toContain("sourceMappingURL");
    }
    expect(readdirSync(folder).sort()).toEqual(
      ["lang", "module.json", ...built, "styles", "templates"].sort(),
    );
  });

  it("manifest and download URLs are well-formed https URLs of the same release base, for this version", () => {
    const { manifest, download, url } = result.manifest;
    for (const u of [manifest, download, url]) {
      expect(typeof u).toBe("string");
      expect(new URL(u as string).protocol).toBe("https:");
    }
    const base = manifest!.replace(/\/latest\/download\/module\.json$/, "");
    expect(base).not.toBe(manifest);
    expect(download).toBe(`${base}/download/v${PKG.version}/module.zip`);
    expect(base.startsWith(url!)).toBe(true);
  });

  it("derives URLs from repository.url (or foundry.manifestBase) and refuses bad input", () => {
    expect(repositoryUrl({ version: "1.0.0", repository: "git+https://github.com/a/b.git" })).toBe(
      "https://github.com/a/b",
    );
    expect(repositoryUrl({ version: "1.0.0", repository: "github:a/b" })).toBe("https://github.com/a/b");
    expect(releaseUrls({ version: "1.2.3", repository: { url: "https://github.com/a/b" } })).toEqual({
      url: "https://github.com/a/b",
      manifest: "https://github.com/a/b/releases/latest/download/module.json",
      download: "https://github.com/a/b/releases/download/v1.2.3/module.zip",
    });
    expect(
      releaseUrls({ version: "2.0.0-beta.1", foundry: { manifestBase: "https://example.org/sm/" } }),
    ).toEqual({
      manifest: "https://example.org/sm/latest/download/module.json",
      download: "https://example.org/sm/download/v2.0.0-beta.1/module.zip",
    });
    expect(() => releaseUrls({ version: "1.0", repository: "a/b" })).toThrow(/semver/);
    expect(() => releaseUrls({ version: "1.0.0" })).toThrow(/repository/);
    expect(() => releaseUrls({ version: "1.0.0", foundry: { manifestBase: "http://x.org" } })).toThrow(
      /https/,
    );
  });

  it("the zip writer round-trips through the reader (empty, stored and deflated entries, UTF-8 names)", () => {
    const big = Buffer.from("abc".repeat(10_000));
    const zip = createZip([
      { name: "empty.txt", data: Buffer.alloc(0) },
      { name: "dir/" },
      { name: "dir/ü.txt", data: Buffer.from("x") },
      { name: "dir/big.txt", data: big },
    ]);
    const back = readZip(zip);
    expect(back.map((e) => [e.name, e.method, e.data.length])).toEqual([
      ["empty.txt", 0, 0],
      ["dir/", 0, 0],
      ["dir/ü.txt", 0, 1],
      ["dir/big.txt", 8, big.length],
    ]);
    expect(back[3]!.data.equals(big)).toBe(true);
    expect(() => createZip([{ name: "../evil" }])).toThrow(/bad zip entry/);
    expect(() => createZip([{ name: "a", data: Buffer.alloc(1) }, { name: "a" }])).toThrow(/duplicate/);
  });

  it.runIf(has("python3"))("python3 -m zipfile -t accepts the zip and lists the same entries", () => {
    const out = execFileSync("python3", ["-m", "zipfile", "-t", result.zipPath], { encoding: "utf8" });
    expect(out).toMatch(/Done testing/);
    const listed = execFileSync(
      "python3",
      [
        "-c",
        "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        result.zipPath,
      ],
      { encoding: "utf8" },
    );
    expect(listed.trim().split("\n")).toEqual(entries.map((e) => e.name));
  });

  it.runIf(has("unzip"))("unzip -t accepts the zip", () => {
    const out = execFileSync("unzip", ["-t", result.zipPath], { encoding: "utf8" });
    expect(out).toMatch(/No errors detected/);
  });
});
