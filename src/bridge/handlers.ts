/** The handlers a backend may call: registered with `api.bridge.handle`, never ordinary channel handlers. */
import { ValidationError } from "../contract/errors";
import type { BridgeHandler, BridgeHandlerOptions } from "../contract/types";
import { isStandardSchema } from "../pipeline/schema";
import { checkKeys } from "../services/options";
import { isEventName } from "./names";

const BRIDGE_HANDLER_KEYS = ["schema"] as const;

interface Entry {
  readonly fn: BridgeHandler;
  readonly schema: BridgeHandlerOptions["schema"];
}

export class BridgeHandlers {
  readonly #byKind = new Map<string, Entry>();

  /** One handler per request kind; returns its unsubscribe. */
  add(kind: string, fn: BridgeHandler, opts: BridgeHandlerOptions = {}): () => void {
    const fail = (message: string) =>
      new ValidationError(message, { moduleId: "bridge", event: String(kind) });
    if (!isEventName(kind)) throw fail("bridge request kinds are 1 to 64 characters");
    if (typeof fn !== "function") throw fail("a bridge handler must be a function");
    checkKeys(opts, BRIDGE_HANDLER_KEYS, "bridge handler", "bridge", String(kind));
    if (opts.schema !== undefined && !isStandardSchema(opts.schema))
      throw fail("schema must implement the Standard Schema interface (~standard)");
    if (this.#byKind.has(kind)) throw fail(`a bridge handler for "${kind}" is already registered`);
    const entry: Entry = { fn, schema: opts.schema };
    this.#byKind.set(kind, entry);
    return () => {
      if (this.#byKind.get(kind) === entry) this.#byKind.delete(kind);
    };
  }

  get(kind: string): Entry | undefined {
    return this.#byKind.get(kind);
  }

  kinds(): string[] {
    return [...this.#byKind.keys()].sort();
  }
}
