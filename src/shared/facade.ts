/** The object a module holds for one shared state (`channel.shared(key)`): its public surface, frozen. */
import type { SharedChange, SharedState } from "../contract/types";
import type { SharedStateCore } from "./state";

/** The object a module holds: the public surface of one state, frozen. */
export function facadeOf(core: SharedStateCore): SharedState<unknown> {
  return Object.freeze({
    moduleId: core.ref.m,
    key: core.ref.k,
    get value() {
      return core.value;
    },
    get version() {
      return core.version;
    },
    get synced() {
      return core.synced;
    },
    subscribe: (fn: (value: unknown, change: SharedChange) => void) => core.subscribe(fn),
    update: (fn: (draft: unknown) => void) => core.update(fn),
    set: (partial: unknown) => core.set(partial),
    dispose: () => core.dispose(),
  } satisfies SharedState<unknown>);
}
