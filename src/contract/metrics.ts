/** The shapes of the metrics the API returns. */

export interface HistogramSnapshot {
  /** Samples ever recorded. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Percentiles over the most recent `capacity` samples. */
  p50: number;
  p95: number;
  p99: number;
}

export interface CounterSnapshot {
  messagesSent: number;
  messagesReceived: number;
  framesSent: number;
  framesReceived: number;
  bytesOut: number;
  bytesIn: number;
  /** Envelopes sent divided by frames sent. */
  envelopesPerFrame: number;
  coalesced: number;
  handlerErrors: number;
  requestsSent: number;
  /** Requests from other clients this client answered. */
  requestsAnswered: number;
  requestsFailed: number;
  /** Reliable envelopes sent again because an ack was missing. */
  retries: number;
  /** Times the socket came back after a disconnect. */
  reconnections: number;
  reconnectAttempts: number;
  /** Envelopes not addressed to this client (not an error: every frame reaches every client). */
  notForMe: number;
  dropped: Record<string, number>;
  droppedTotal: number;
}

export interface EventCounts {
  sent: number;
  received: number;
  bytesOut: number;
  bytesIn: number;
}

export interface MetricsSnapshotData extends CounterSnapshot {
  /** Round trip to peers (heartbeat and api.test()), null when monitoring is off. */
  rttMs: HistogramSnapshot | null;
  /** One-way latency of received messages, clock-offset corrected, null when monitoring is off. */
  latencyMs: HistogramSnapshot | null;
  /** Messages per second over the last 10 s. */
  rate: { in: number; out: number };
  /** Per "moduleId/event". */
  events: Record<string, EventCounts>;
  /** The latest round trips (ms), oldest first, for a sparkline. */
  recentRtt: number[];
  /** The latest errors and warnings (handler throws, transport failures, high latency), oldest first. */
  recentErrors: { at: number; message: string }[];
}
