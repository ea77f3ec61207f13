/** Every option Socket Manager accepts (defaults and rules: src/config.ts). */
export interface Config {
  /** Max envelopes per frame. */
  batchSize: number;
  /** The longest a low-priority message may wait for company (ms). Normal messages flush at end of task. */
  batchTimeout: number;
  /** Older messages are refused on receipt (ms, clock-offset corrected). */
  maxMessageAge: number;
  maxReconnectionAttempts: number;
  initialReconnectionDelay: number;
  maxReconnectionDelay: number;
  preferSocketLib: boolean;
  fallbackToLocal: boolean;
  enableDebugLogging: boolean;
  logAllMessages: boolean;
  performanceMonitoring: boolean;
  /** Default `request()` timeout (ms). */
  requestTimeout: number;
  /** Largest payload accepted by emit/request, in bytes of JSON. Larger ones are chunked up to this size. */
  maxPayloadBytes: number;
  /**
   * Largest frame put on the wire, measured as it travels: socket.io writes the frame string as JSON again, so
   * quotes and backslashes count twice. At most 900 KiB, which with the packet and socketlib wrappers stays
   * well under the 1 MB at which a socket.io server disconnects the sender.
   */
  maxFrameBytes: number;
  /** Envelopes kept while disconnected. */
  outboxSize: number;
  /** Per-sender sustained message rate (messages per second). */
  rateLimit: number;
  /** Per-sender burst allowance (messages). */
  rateBurst: number;
  /** Ping interval per peer (ms); 0 disables the heartbeat. */
  heartbeatInterval: number;
}
