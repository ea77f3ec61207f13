/**
 * The bridge's loader on a Foundry page: the client and the built-in world operations arrive together, in the
 * bridge's chunk (./with-operations.ts), on the client that loads it (the active GM's, when the bridge is on).
 * The operations register as bridge handlers, each while its world setting is on (./operations/index.ts).
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
  return async (host, handlers) =>
    (await import("./with-operations")).clientWithOperations(opts, host, handlers);
}
