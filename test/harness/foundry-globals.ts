/**
 * Node entry of the simulated Foundry globals: everything in ./foundry-globals-core (browser-safe), plus
 * `loadDefaultLang()`, which reads the repository's lang/en.json from disk and is the default `lang` of
 * `installFoundryGlobals` here. See ./foundry-globals-core for the order of install, import and boot.
 */
import { readFileSync } from "node:fs";
import type { SimClient } from "./client-core";
import {
  type FoundryGlobalsHandle,
  type FoundryGlobalsOptions,
  installFoundryGlobals as installCore,
} from "./foundry-globals-core";

export * from "./foundry-globals-core";

/** The repository's lang/en.json. */
export function loadDefaultLang(): Record<string, unknown> {
  const url = new URL("../../lang/en.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
}

/** Puts Foundry's globals for `client` onto `opts.scope` (default `globalThis`); `lang` defaults to lang/en.json. */
export function installFoundryGlobals(
  client: SimClient,
  opts: FoundryGlobalsOptions = {},
): FoundryGlobalsHandle {
  return installCore(client, { ...opts, lang: opts.lang ?? loadDefaultLang() });
}
