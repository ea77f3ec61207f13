/** In the bridge's chunk: the client, with the built-in world operations registered as its handlers. */
import { BridgeClient } from "./client";
import type { BridgeHandlers } from "./handlers";
import type { BridgeHost } from "./host";
import type { OperationsOptions } from "./load";
import { installWorldOperations } from "./operations/index";

export function clientWithOperations(
  opts: OperationsOptions,
  host: BridgeHost,
  handlers: BridgeHandlers,
): BridgeClient {
  const operations = installWorldOperations({
    scope: opts.scope,
    handle: (kind, fn, o) => handlers.add(kind, fn, o),
    isEnabled: opts.isEnabled,
  });
  operations.refresh();
  opts.installed(operations);
  return new BridgeClient(host, handlers);
}
