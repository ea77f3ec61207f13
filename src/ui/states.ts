/** The names of the connection and bridge states, shared by the indicator (core) and the status window (lazy). */
import type { BridgeStatus, ConnectionState } from "../contract/types";

export type Localize = (key: string, data?: Record<string, string | number>) => string;

/** Each state's CSS suffix and label key, shared by the status window and the indicator. */
export const STATES: Record<ConnectionState, readonly [cls: string, key: string]> = {
  initializing: ["starting", "SOCKET_MANAGER.State.Initializing"],
  connected: ["live", "SOCKET_MANAGER.State.Connected"],
  reconnecting: ["reconnecting", "SOCKET_MANAGER.State.Reconnecting"],
  offline: ["offline", "SOCKET_MANAGER.State.Offline"],
  "local-fallback": ["local", "SOCKET_MANAGER.State.Local"],
};

/** Each bridge state's label key, shared by the status window and the indicator's tooltip. */
export const BRIDGE_STATES: Record<BridgeStatus["state"], string> = {
  off: "SOCKET_MANAGER.Status.BridgeOff",
  connecting: "SOCKET_MANAGER.State.Initializing",
  connected: "SOCKET_MANAGER.State.Connected",
  reconnecting: "SOCKET_MANAGER.State.Reconnecting",
  offline: "SOCKET_MANAGER.State.Offline",
};
