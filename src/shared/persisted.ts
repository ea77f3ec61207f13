/**
 * Where persisted shared states (`persist: true`) keep their value: one hidden world setting per state,
 * registered on first use, holding `{ v: version, d: value }`. Failures are logged, never thrown.
 */
import { MODULE_ID } from "../contract/ids";
import type { Core } from "../services/core";
import { isVersion, type StateRef } from "./wire";

/** The hidden world setting a persisted state lives in: `socket-manager.shared.<moduleId>.<key>`. */
export function settingKey(ref: StateRef): string {
  return `shared.${ref.m}.${ref.k}`;
}

export class PersistedValues {
  readonly #core: Core;
  readonly #registered = new Set<string>();

  constructor(core: Core) {
    this.#core = core;
  }

  /** The saved version and value, or null when there is none (or no settings, or it is unreadable). */
  load(ref: StateRef): { v: number; d: unknown } | null {
    try {
      if (!this.#ensureSetting(ref)) return null;
      const raw = this.#store()?.get(MODULE_ID, settingKey(ref)) as { v?: unknown; d?: unknown } | null;
      if (typeof raw !== "object" || raw === null || !isVersion(raw.v) || !("d" in raw)) return null;
      return { v: raw.v, d: raw.d };
    } catch (e) {
      this.#core.log.warn(`could not read the saved value of shared "${ref.k}" (${ref.m})`, e);
      return null;
    }
  }

  save(ref: StateRef, version: number, value: unknown): void {
    try {
      if (!this.#ensureSetting(ref)) return;
      const saving = this.#store()?.set(MODULE_ID, settingKey(ref), { v: version, d: value });
      void Promise.resolve(saving).catch((e: unknown) =>
        this.#core.log.warn(`could not save shared "${ref.k}" (${ref.m})`, e),
      );
    } catch (e) {
      this.#core.log.warn(`could not save shared "${ref.k}" (${ref.m})`, e);
    }
  }

  #store() {
    return this.#core.env.settings ?? null;
  }

  #ensureSetting(ref: StateRef): boolean {
    const store = this.#store();
    if (!store) return false;
    const key = settingKey(ref);
    if (!this.#registered.has(key)) {
      store.register(MODULE_ID, key, {
        name: `Socket Manager: shared state ${ref.k} of ${ref.m}`,
        scope: "world",
        config: false,
        type: Object,
        default: null,
      });
      this.#registered.add(key);
    }
    return true;
  }
}
