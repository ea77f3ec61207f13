/**
 * @socket-manager/bridge: the server side of the Socket Manager bridge. A Foundry VTT client (the active
 * GM's browser) connects to it over WebSocket; the server sends it requests and receives its events.
 * The protocol is described in docs/BRIDGE.md.
 */
export { type Bridge, type BridgeOptions, createBridge, SDK_VERSION } from "./bridge.js";
export { type Clock, systemClock } from "./clock.js";
export { BridgeError, NotConnectedError, RemoteError, TimeoutError, WorldRequiredError } from "./errors.js";
export {
  CLOSE,
  type ClientFrame,
  DEFAULT_MAX_FRAME_BYTES,
  type DropReason,
  type EventFrame,
  type EventItem,
  type EventsFrame,
  type HelloFrame,
  MAX_BATCH_EVENTS,
  type PingFrame,
  type PongFrame,
  PROTOCOL_VERSION,
  REMOTE_ERROR_CODES,
  type RemoteErrorCode,
  type RequestFrame,
  type ResponseFrame,
  type ServerFrame,
  type WelcomeFrame,
} from "./protocol.js";
export type { BridgeMetrics, ConnectionInfo, EventInfo, RequestOptions } from "./types.js";
export {
  type ActorCreateData,
  type DeleteResult,
  type DocumentReference,
  type DocumentSummary,
  type FetchResult,
  type FileListData,
  type FileListResult,
  type ItemSearchData,
  type JournalCreateData,
  type ListResult,
  type Page,
  type PushResult,
  type SceneCreateData,
  type SearchHit,
  type SearchResult,
  WORLD_OPERATION_KINDS,
  type WorldOperations,
  worldOperations,
} from "./world.js";
