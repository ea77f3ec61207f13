/** What every relay of the harness offers (test/harness/relay.ts over socket.io, memory-relay.ts in process). */

export type RelayMessageListener = (event: string, args: unknown[], senderId: string) => void;

export interface Relay {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Count of `module.*` messages received by the server. */
  readonly framesRelayed: number;
  /** Sum of the approximate JSON byte length of every relayed payload. */
  readonly bytesRelayed: number;
  /** Approximate JSON byte length of the largest relayed payload. */
  readonly largestFrameBytes: number;
  /** Whether the server is listening now. */
  readonly running: boolean;
  /** User ids with at least one connected socket now. */
  connectedUsers(): string[];
  /** Observe every relayed `module.*` message; returns an unsubscribe function. */
  onMessage(fn: RelayMessageListener): () => void;
  /** Server-side forced disconnect of every socket of that user (socket.io will not auto-reconnect it). */
  disconnectUser(userId: string): void;
  /**
   * A network cut for one user while the server stays up: its connection drops without a goodbye (its client
   * retries by itself), and its reconnection attempts stall until `ms` have passed, then succeed.
   */
  cutUser(userId: string, ms: number): void;
  /** Zero the counters. */
  resetStats(): void;
  /** Close the server and every client connection; the port is freed. Idempotent. */
  stop(): Promise<void>;
  /** Listen again on the same port (clients' auto-reconnect will find it). */
  restart(): Promise<void>;
}

/** Package events a Foundry server relays: a module's and the system's. */
const PACKAGE_EVENT = /^(?:module|system)\./;

/**
 * Whether the server relays `event`: a package's event, and, when the world lists the packages whose manifest
 * says `"socket": true` (`socketEvents`, e.g. `["module.socket-manager", "system.my-system"]`), only theirs, as
 * Foundry relays only those. The harness's marker always passes.
 */
export function relays(event: string, socketEvents: ReadonlySet<string> | undefined): boolean {
  if (!PACKAGE_EVENT.test(event)) return false;
  return socketEvents === undefined || event === MARKER_EVENT || socketEvents.has(event);
}

/** The harness's own ordering marker (World.delivered): relayed like the rest, never counted or reported. */
export const MARKER_EVENT = "module.harness-marker";
