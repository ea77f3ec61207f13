/**
 * Every `game.i18n` key used in code and templates exists in lang/en.json. Keys are found as whole string
 * literals in src/**\/*.ts, as the settings' template-literal keys (one Name and Hint per SETTING_SCOPES
 * key and per bridge setting), and as `{{localize "…"}}` in templates/*.hbs. A key that is built any other way fails the test,
 * because it could not be checked.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  BRIDGE_TOKEN_SETTING,
  BRIDGE_URL_SETTING,
  WORLD_OPERATION_SETTINGS,
} from "../../src/foundry/bridge-settings";
import { SETTING_SCOPES } from "../../src/foundry/settings";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const lang = JSON.parse(readFileSync(join(ROOT, "lang/en.json"), "utf8")) as Record<string, unknown>;

function lookup(key: string): unknown {
  let node: unknown = lang;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function files(dir: string, ext: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));
}

function leaves(node: unknown, prefix: string): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

const sources = files("src", ".ts").map((f) => ({ file: f, text: readFileSync(join(ROOT, f), "utf8") }));
const templates = files("templates", ".hbs").map((f) => ({
  file: f,
  text: readFileSync(join(ROOT, f), "utf8"),
}));

/** key → where it is used. */
const used = new Map<string, string>();
for (const { file, text } of sources) {
  for (const m of text.matchAll(/["'`](SOCKET_MANAGER\.[A-Za-z0-9_.]+)["'`]/g)) used.set(m[1]!, file);
}
const literalCount = used.size;
for (const key of Object.keys(SETTING_SCOPES)) {
  used.set(`SOCKET_MANAGER.Settings.${key}.Name`, "src/foundry/settings.ts");
  used.set(`SOCKET_MANAGER.Settings.${key}.Hint`, "src/foundry/settings.ts");
}
const bridgeKeys = [
  BRIDGE_URL_SETTING,
  BRIDGE_TOKEN_SETTING,
  ...Object.values(WORLD_OPERATION_SETTINGS).map((s) => s.key),
];
for (const key of bridgeKeys) {
  used.set(`SOCKET_MANAGER.Settings.${key}.Name`, "src/foundry/bridge-settings.ts");
  used.set(`SOCKET_MANAGER.Settings.${key}.Hint`, "src/foundry/bridge-settings.ts");
}
let templateCount = 0;
for (const { file, text } of templates) {
  for (const m of text.matchAll(/\{\{\s*localize\s+"([^"]+)"/g)) {
    used.set(m[1]!, file);
    templateCount++;
  }
}

describe("lang/en.json", () => {
  it("finds the keys it checks (the scan itself works)", () => {
    expect(sources.length).toBeGreaterThan(10);
    expect(templates.map((t) => t.file)).toContain(join("templates", "status.hbs"));
    expect(literalCount).toBeGreaterThan(20);
    expect(templateCount).toBeGreaterThan(30);
    expect(used.has("SOCKET_MANAGER.Notify.ProtocolMismatch")).toBe(true);
    expect(used.has("SOCKET_MANAGER.Settings.batchSize.Hint")).toBe(true);
    expect(used.has("SOCKET_MANAGER.Settings.bridgeOpActorsCreate.Name")).toBe(true);
  });

  it("has every game.i18n key used in src/ and templates/", () => {
    const missing = [...used]
      .filter(([key]) => typeof lookup(key) !== "string")
      .map(([k, f]) => `${k} (${f})`);
    expect(missing).toEqual([]);
  });

  it("builds keys only in ways this test can check", () => {
    const dynamic: string[] = [];
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/`(SOCKET_MANAGER\.[^`]*\$\{[^`]*)`/g)) {
        if (!/^SOCKET_MANAGER\.Settings\.\$\{key\}\.(Name|Hint)$/.test(m[1]!))
          dynamic.push(`${m[1]} (${file})`);
      }
    }
    for (const { file, text } of templates) {
      for (const m of text.matchAll(/\{\{\s*localize\s+([^\s"}][^}]*)\}\}/g))
        dynamic.push(`${m[1]} (${file})`);
    }
    expect(dynamic).toEqual([]);
  });

  it("holds only strings, and reports keys nothing uses", () => {
    const all = leaves(lang, "");
    expect(all.filter((k) => typeof lookup(k) !== "string")).toEqual([]);
    const unused = all.filter((k) => !used.has(k) && k !== "SOCKET_MANAGER.Title");
    if (unused.length > 0) console.warn(`lang/en.json keys no code uses: ${unused.join(", ")}`);
    expect(all.length).toBeGreaterThanOrEqual(used.size);
  });
});
