/** The bridge's counters: frames, events, requests by kind and outcome, and drops by reason. */
export class BridgeStats {
  framesIn = 0;
  framesOut = 0;
  eventsSent = 0;
  attempts = 0;
  readonly #dropped = new Map<string, number>();
  readonly #requests = new Map<string, Record<string, number>>();

  drop(reason: string, count = 1): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + count);
  }

  /** One answered request: "ok" or its error code. */
  request(kind: string, outcome: string): void {
    let byOutcome = this.#requests.get(kind);
    if (!byOutcome) {
      // Kinds the backend names are bounded: past 256 distinct kinds, the rest are counted together.
      if (this.#requests.size >= 256) kind = "(other)";
      byOutcome = this.#requests.get(kind) ?? {};
      this.#requests.set(kind, byOutcome);
    }
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  }

  snapshot(): {
    framesIn: number;
    framesOut: number;
    eventsSent: number;
    reconnectAttempts: number;
    requests: Record<string, Record<string, number>>;
    dropped: Record<string, number>;
  } {
    return {
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      eventsSent: this.eventsSent,
      reconnectAttempts: this.attempts,
      requests: Object.fromEntries([...this.#requests].map(([k, v]) => [k, { ...v }])),
      dropped: Object.fromEntries(this.#dropped),
    };
  }
}
