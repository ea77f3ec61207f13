/** What the API reports: peers, events, status and metrics (`api.peers()`, `events()`, `status()`, `metrics()`). */
import type { MetricsSnapshotData } from "./metrics";
import type { ConnectionState, TransportKind, UserRole } from "./types";

export interface PeerInfo {
  userId: string;
  name: string;
  role: UserRole;
  isGM: boolean;
  active: boolean;
  /** Known once the peer said hello. */
  hasModule: boolean;
  moduleVersion?: string;
  protocol?: number;
  transport?: TransportKind;
  rttMs?: number;
  clockOffsetMs?: number;
  /** The peer's page session (new on every load), once it said hello. */
  session?: string;
}

/** A peer's lifecycle: it said hello from a new session (join), answered a round trip (ready), left. */
export type PeerEvent = "join" | "ready" | "leave";

export interface PeerTestResult {
  userId: string;
  name: string;
  ok: boolean;
  rttMs?: number;
  error?: string;
}

export interface EventInfo {
  moduleId: string;
  event: string;
  handlers: number;
  responder: boolean;
  received: number;
  sent: number;
  bytesIn: number;
  bytesOut: number;
}

export interface Status {
  version: string;
  protocol: number;
  transport: TransportKind | null;
  state: ConnectionState;
  userId: string;
  session: string;
  connected: boolean;
  channels: string[];
  pendingRequests: number;
  outbox: number;
  /** Other users connected now. */
  peers: number;
  /** Of those, the ones known to run Socket Manager. */
  peersWithModule: number;
}

export interface MetricsSnapshot extends MetricsSnapshotData {
  /** Envelopes waiting in the outbox now. */
  outboxDepth: number;
  at: number;
}
