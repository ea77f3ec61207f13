/**
 * Round-trip time and clock offset from one ping/pong exchange (NTP's formula):
 * t0 ping sent (our clock), t1 ping received and t2 pong sent (their clock), t3 pong received (ours).
 * `offset` is how far their clock runs ahead of ours.
 */
export function clockSample(t0: number, t1: number, t2: number, t3: number): { rtt: number; offset: number } {
  return { rtt: Math.max(0, t3 - t0 - (t2 - t1)), offset: (t1 - t0 + (t2 - t3)) / 2 };
}

export function isPongPayload(value: unknown): value is [number, number, number] {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((n) => typeof n === "number" && Number.isFinite(n))
  );
}

/**
 * Keeps the offset estimate per peer: the offset of the lowest-RTT sample among the last few, since a
 * short round trip bounds the error of its offset best.
 */
export class ClockEstimates {
  readonly #samples = new Map<string, { rtt: number; offset: number }[]>();

  readonly #keep: number;

  constructor(keep = 8) {
    this.#keep = keep;
  }

  add(userId: string, sample: { rtt: number; offset: number }): { rtt: number; offset: number } {
    const list = this.#samples.get(userId) ?? [];
    list.push(sample);
    if (list.length > this.#keep) list.shift();
    this.#samples.set(userId, list);
    return this.best(userId) ?? sample;
  }

  best(userId: string): { rtt: number; offset: number } | undefined {
    const list = this.#samples.get(userId);
    if (!list || list.length === 0) return undefined;
    return list.reduce((a, b) => (b.rtt < a.rtt ? b : a));
  }

  /** The latest sample's RTT (what a status window shows). */
  latestRtt(userId: string): number | undefined {
    return this.#samples.get(userId)?.at(-1)?.rtt;
  }

  forget(userId: string): void {
    this.#samples.delete(userId);
  }
}
