/** A small simulated Foundry `Hooks`: one instance per simulated client. */
import type { FoundryHooks } from "../../src/foundry/types";

type HookFn = (...args: never[]) => unknown;

interface HookEntry {
  readonly id: number;
  readonly fn: HookFn;
  readonly once: boolean;
}

export class SimHooks implements FoundryHooks {
  private readonly events = new Map<string, HookEntry[]>();
  private nextId = 1;
  /** Every callAll, in order: handy for assertions. */
  readonly calls: Array<{ name: string; args: unknown[] }> = [];
  /** Errors thrown by handlers (caught and logged, as Foundry does). */
  readonly errors: Array<{ name: string; error: unknown }> = [];

  on(name: string, fn: HookFn): number {
    return this.add(name, fn, false);
  }

  once(name: string, fn: HookFn): number {
    return this.add(name, fn, true);
  }

  off(name: string, fnOrId: number | HookFn): void {
    const list = this.events.get(name);
    if (!list) return;
    const kept = list.filter((e) => (typeof fnOrId === "number" ? e.id !== fnOrId : e.fn !== fnOrId));
    if (kept.length === 0) this.events.delete(name);
    else this.events.set(name, kept);
  }

  /** Calls every handler; never throws. Returns true (Foundry's callAll always does). */
  callAll(name: string, ...args: unknown[]): boolean {
    this.calls.push({ name, args });
    const list = this.events.get(name);
    if (!list) return true;
    for (const entry of [...list]) {
      if (entry.once) this.off(name, entry.id);
      try {
        (entry.fn as (...a: unknown[]) => unknown)(...args);
      } catch (error) {
        this.errors.push({ name, error });
        console.error(`Hooks | error in a "${name}" handler`, error);
      }
    }
    return true;
  }

  /** How many handlers are registered for a hook. */
  count(name: string): number {
    return this.events.get(name)?.length ?? 0;
  }

  /** Remove every handler. */
  clear(): void {
    this.events.clear();
  }

  private add(name: string, fn: HookFn, once: boolean): number {
    const id = this.nextId++;
    const list = this.events.get(name) ?? [];
    list.push({ id, fn, once });
    this.events.set(name, list);
    return id;
  }
}

export function createHooks(): SimHooks {
  return new SimHooks();
}
