import type { HistogramSnapshot } from "../contract/metrics";

export type { HistogramSnapshot };

/**
 * Latency histogram in bounded memory: exact percentiles over a ring of the most recent samples, with
 * count, min, max and mean over all of them.
 */
export class Histogram {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;
  #total = 0;
  #sum = 0;
  #lo = Number.POSITIVE_INFINITY;
  #hi = Number.NEGATIVE_INFINITY;

  constructor(readonly capacity = 2048) {
    this.#ring = new Float64Array(capacity);
  }

  record(value: number): void {
    if (!Number.isFinite(value)) return;
    this.#ring[this.#next] = value;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#filled < this.capacity) this.#filled++;
    this.#total++;
    this.#sum += value;
    if (value < this.#lo) this.#lo = value;
    if (value > this.#hi) this.#hi = value;
  }

  get count(): number {
    return this.#total;
  }

  /** The most recent samples, oldest first (at most `limit`). */
  recent(limit: number): number[] {
    const n = Math.min(limit, this.#filled);
    const out: number[] = [];
    for (let i = n; i > 0; i--) out.push(this.#ring[(this.#next - i + this.capacity) % this.capacity] ?? 0);
    return out;
  }

  snapshot(): HistogramSnapshot {
    if (this.#filled === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 };
    const sorted = this.#ring.slice(0, this.#filled).sort();
    // Nearest-rank percentile.
    const rank = (p: number) =>
      sorted[Math.min(this.#filled - 1, Math.max(0, Math.ceil((p / 100) * this.#filled) - 1))] ?? 0;
    return {
      count: this.#total,
      min: this.#lo,
      max: this.#hi,
      mean: this.#sum / this.#total,
      p50: rank(50),
      p95: rank(95),
      p99: rank(99),
    };
  }

  reset(): void {
    this.#next = 0;
    this.#filled = 0;
    this.#total = 0;
    this.#sum = 0;
    this.#lo = Number.POSITIVE_INFINITY;
    this.#hi = Number.NEGATIVE_INFINITY;
  }
}
