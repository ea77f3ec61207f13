import type { CounterSnapshot } from "../contract/metrics";

export type { CounterSnapshot };
/** Why a message or frame was dropped; each reason is counted separately. */
export type DropReason =
  | "malformed"
  | "protocol"
  | "oversize"
  | "envelope-shape"
  | "reserved-key"
  | "unknown-sender"
  | "duplicate"
  | "expired"
  | "rate-limited"
  | "permission"
  | "schema"
  | "no-handler"
  | "no-channel"
  | "stale-reply"
  | "volatile-offline"
  | "outbox-overflow"
  | "outbox-expired"
  | "chunk-incomplete"
  | "chunk-invalid"
  | "reliable-stale"
  | "reliable-overflow"
  | "reliable-timeout"
  | "frame-failed"
  | "early-overflow"
  | "load-overflow"
  | "load-failed"
  | "control-limited"
  | "shared-stale"
  | "shared-unknown";

export class Counters {
  messagesSent = 0;
  messagesReceived = 0;
  framesSent = 0;
  framesReceived = 0;
  envelopesOut = 0;
  bytesOut = 0;
  bytesIn = 0;
  coalesced = 0;
  handlerErrors = 0;
  requestsSent = 0;
  /** Requests from other clients this client answered (a GM's usual work). */
  requestsAnswered = 0;
  requestsFailed = 0;
  retries = 0;
  reconnections = 0;
  reconnectAttempts = 0;
  notForMe = 0;
  readonly #drops = new Map<DropReason, number>();

  drop(reason: DropReason, count = 1): void {
    this.#drops.set(reason, (this.#drops.get(reason) ?? 0) + count);
  }

  dropped(reason: DropReason): number {
    return this.#drops.get(reason) ?? 0;
  }

  snapshot(): CounterSnapshot {
    const dropped: Record<string, number> = {};
    let droppedTotal = 0;
    for (const [reason, n] of this.#drops) {
      dropped[reason] = n;
      droppedTotal += n;
    }
    return {
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      framesSent: this.framesSent,
      framesReceived: this.framesReceived,
      bytesOut: this.bytesOut,
      bytesIn: this.bytesIn,
      envelopesPerFrame: this.framesSent === 0 ? 0 : this.envelopesOut / this.framesSent,
      coalesced: this.coalesced,
      handlerErrors: this.handlerErrors,
      requestsSent: this.requestsSent,
      requestsAnswered: this.requestsAnswered,
      requestsFailed: this.requestsFailed,
      retries: this.retries,
      reconnections: this.reconnections,
      reconnectAttempts: this.reconnectAttempts,
      notForMe: this.notForMe,
      dropped,
      droppedTotal,
    };
  }
}
