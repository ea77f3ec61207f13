/**
 * The library entry (`@socket-manager/library`): for a game system or module that bundles Socket Manager
 * instead of requiring the module. README, "Bundle it instead of depending on it".
 */

export type * from "../contract/types";
export {
  type Connection,
  type ConnectOptions,
  connectionOf,
  connectSocketManager,
  LIBRARY_VERSION,
  satisfies,
} from "./connect";
