/**
 * `connectSocketManager`: what a system or module that bundles Socket Manager calls instead of depending on
 * the module. When the module is active and at least as new as this copy (same major version), the call
 * gives back the module's API: one pipeline, one status window, one set of metrics for everyone. Otherwise
 * it starts an embedded instance on the consumer's own socket event (./embedded.ts, loaded only then).
 */
import type { Config } from "../config";
import { ValidationError } from "../contract/errors";
import { MODULE_ID } from "../contract/ids";
import type { Api } from "../contract/types";
import type { FoundryGlobalScope } from "../foundry/globals";

declare const __SOCKET_MANAGER_VERSION__: string;
/** The version of Socket Manager bundled in this copy of the library. */
export const LIBRARY_VERSION: string =
  typeof __SOCKET_MANAGER_VERSION__ === "string" ? __SOCKET_MANAGER_VERSION__ : "0.0.0-dev";

export interface ConnectOptions {
  /** The consumer's package id (its manifest's `id`). */
  id: string;
  /** A game system's events are `system.<id>`, a module's `module.<id>`. */
  scope: "module" | "system";
  /** Settings for an embedded instance (the module's own settings apply when the module is used). */
  config?: Partial<Config>;
  /** Foundry's global scope (default `globalThis`; tests pass a simulated client's). */
  globals?: object;
}

/** What the connection chose; `api.version` tells the version behind it. */
export type Connection = "module" | "embedded";

/** `major.minor.patch` of a version (a pre-release or build suffix ignored); null when it is not one. */
function parse(v: unknown): number[] | null {
  const m = typeof v === "string" ? /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+].*)?$/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Whether the installed module can serve a consumer that bundles `wanted`: not older, same major, and the same
 * minor while the major is 0 (SemVer lets a 0.x minor release break the API). A version that is not
 * `major.minor.patch` serves nobody.
 */
export function satisfies(installed: unknown, wanted: string): boolean {
  const [a, b] = [parse(installed), parse(wanted)];
  if (!a || !b || a[0] !== b[0] || (a[0] === 0 && a[1] !== b[1])) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** One instance per consumer id and page (global scope) in this copy of the library: asking twice gives the same API. */
const connections = new WeakMap<object, Map<string, Promise<Api>>>();
const connectedBy = new WeakMap<Api, Connection>();
const warned = new WeakMap<object, Set<string>>();

/** How `api` was reached: through the module, or embedded in the consumer. */
export function connectionOf(api: Api): Connection | undefined {
  return connectedBy.get(api);
}

function check(opts: ConnectOptions): void {
  const moduleId = typeof opts?.id === "string" ? opts.id : "unknown";
  const fail = (message: string) => new ValidationError(`connectSocketManager: ${message}`, { moduleId });
  if (typeof opts?.id !== "string" || !/^[A-Za-z0-9][\w.-]{0,63}$/.test(opts.id))
    throw fail("id must be your package's id (letters, digits, '-', '_' or '.', at most 64)");
  if (opts.id === MODULE_ID) throw fail(`"${MODULE_ID}" is the module's own id; give your package's`);
  if (opts.scope !== "module" && opts.scope !== "system") throw fail('scope must be "module" or "system"');
}

const hookOnce = (globals: FoundryGlobalScope, name: string) =>
  new Promise<void>((resolve) => globals.Hooks?.once(name, () => resolve()));

async function connect(opts: ConnectOptions, globals: FoundryGlobalScope): Promise<Api> {
  // Packages are known from `init` on; called earlier (when the file loads), wait for it.
  if (!globals.game?.modules) await hookOnce(globals, "init");
  const module = globals.game?.modules.get(MODULE_ID);
  if (module?.active) {
    // The module sets its API during its own `init`, which may come after the consumer's.
    if (module.api === undefined && !globals.game?.users) await hookOnce(globals, "setup");
    const api = module.api as Api | undefined;
    if (api && satisfies(api.version, LIBRARY_VERSION)) {
      connectedBy.set(api, "module");
      return api;
    }
    const told = warned.get(globals) ?? new Set<string>();
    warned.set(globals, told);
    if (api && !told.has(opts.id)) {
      told.add(opts.id);
      console.info(
        `Socket Manager | ${opts.id} bundles Socket Manager ${LIBRARY_VERSION}, which the installed module ` +
          `${api.version} cannot serve: ${opts.id} runs its own copy on ${opts.scope}.${opts.id}`,
      );
    }
  }
  const { startEmbedded } = await import("./embedded");
  const api = startEmbedded(globals, {
    id: opts.id,
    scope: opts.scope,
    version: LIBRARY_VERSION,
    ...(opts.config ? { config: opts.config } : {}),
  });
  connectedBy.set(api, "embedded");
  return api;
}

/**
 * The Socket Manager API for a system or module that bundles it: the installed module's when it is active
 * and compatible, else an embedded instance on `module.<id>` / `system.<id>` (the manifest needs
 * `"socket": true`). Call it from your `init` hook or later; the same id gives the same API.
 */
export function connectSocketManager(opts: ConnectOptions): Promise<Api> {
  check(opts);
  const globals = (opts.globals ?? globalThis) as FoundryGlobalScope;
  const mine = connections.get(globals) ?? new Map<string, Promise<Api>>();
  connections.set(globals, mine);
  const known = mine.get(opts.id);
  if (known) return known;
  const pending = connect(opts, globals);
  mine.set(opts.id, pending);
  pending.catch(() => mine.delete(opts.id));
  return pending;
}
