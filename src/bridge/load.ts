/**
 * The bridge's loader on a Foundry page: the client and the built-in world operations arrive together, in the
 * bridge's chunk, on the client that loads it (the active GM's, when the bridge is on). The operations
 * register as bridge handlers, each while its world setting is on (./operations/index.ts).
 */

import type { WorldOperationKind } from "../foundry/bridge-settings";
import type { FoundryDocumentsScope } from "../foundry/documents";
import type { LoadBridge } from "./lazy";
import type { WorldOperationsHandle } from "./operations/index";

export interface OperationsOptions {
  scope: () => FoundryDocumentsScope;
  isEnabled: (kind: WorldOperationKind) => boolean;
  /** Receives the installed operations (to refresh them when a setting changes, and to dispose of them). */
  installed: (operations: WorldOperationsHandle) => void;
}

export function loadBridgeWithOperations(opts: OperationsOptions): LoadBridge {
  return async (host, handlers) => {
    const [{ BridgeClient }, { installWorldOperations }] = await Promise.all([
      import("./client"),
      import("./operations/index"),
    ]);
    const operations = installWorldOperations({
      scope: opts.scope,
      handle: (kind, fn, o) => handlers.add(kind, fn, o),
      isEnabled: opts.isEnabled,
    });
    operations.refresh();
    opts.installed(operations);
    return new BridgeClient(host, handlers);
  };
}
