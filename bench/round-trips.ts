/**
 * Round trips one at a time, the contenders interleaved trip by trip with the order rotating, so drift in the
 * machine's state hits each alike (section 2, latency; section 10, the bridge). Also the one-at-a-time echo
 * waiter the baselines use, and the medians over repetitions.
 */
import { type Failure, failure, log, rotate } from "./common";
import { median, type Percentiles, round, summarize } from "./stats";

export interface Tripper<N extends string> {
  readonly name: N;
  /** One round trip; resolves with its duration in ms. */
  trip(i: number): Promise<number>;
}

/** One repetition: each contender's percentiles (ms) under its name, and the CPU it cost. */
export type TripRep<N extends string> = Record<N, Percentiles> & {
  /** CPU of the benchmark process (both ends) per round trip, µs. */
  cpuUsPerRoundTrip: Record<N, number>;
};

/**
 * `warmup` trips of each contender, then `repetitions` of `trips` each, timing every trip and counting the CPU
 * it took; a repetition that throws is kept as its failure. Logs one line per repetition under `label`.
 */
export async function tripSeries<N extends string>(
  label: string,
  trippers: readonly Tripper<N>[],
  opts: { trips: number; repetitions: number; warmup: number },
): Promise<(TripRep<N> | Failure)[]> {
  log(`${label}: warm-up (${opts.warmup} round trips each)`);
  for (let i = 0; i < opts.warmup; i++) for (const t of rotate(trippers, i)) await t.trip(i);
  const reps: (TripRep<N> | Failure)[] = [];
  for (let rep = 0; rep < opts.repetitions; rep++) {
    const samples = new Map<N, number[]>(trippers.map((t) => [t.name, []]));
    const cpu = new Map<N, number>(trippers.map((t) => [t.name, 0]));
    try {
      for (let i = 0; i < opts.trips; i++) {
        for (const t of rotate(trippers, i + rep)) {
          const c0 = process.cpuUsage();
          samples.get(t.name)?.push(await t.trip(i));
          const c = process.cpuUsage(c0);
          cpu.set(t.name, (cpu.get(t.name) ?? 0) + c.user + c.system);
        }
      }
      const r = { cpuUsPerRoundTrip: {} } as TripRep<N>;
      for (const { name } of trippers) {
        (r as Record<N, Percentiles>)[name] = roundAll(summarize(samples.get(name) ?? []));
        r.cpuUsPerRoundTrip[name] = round((cpu.get(name) ?? 0) / opts.trips, 1);
      }
      reps.push(r);
      const p50s = trippers.map(({ name }) => `${name} ${(r as Record<N, Percentiles>)[name].p50} ms`);
      log(`${label} ${rep + 1}/${opts.repetitions}: p50 ${p50s.join(", ")}`);
    } catch (e) {
      reps.push(failure(e));
      log(`${label} ${rep + 1}/${opts.repetitions} FAILED: ${failure(e).error}`);
    }
  }
  return reps;
}

export function succeeded<N extends string>(reps: readonly (TripRep<N> | Failure)[]): TripRep<N>[] {
  return reps.filter((r): r is TripRep<N> => !("error" in r));
}

/** Each percentile's median over the repetitions. */
export function medianPercentiles<N extends string>(good: readonly TripRep<N>[], name: N): Percentiles {
  const of = (key: keyof Percentiles) => median(good.map((r) => (r as Record<N, Percentiles>)[name][key]));
  return roundAll({ p50: of("p50"), p95: of("p95"), p99: of("p99"), mean: of("mean"), max: of("max") });
}

/** The median over the repetitions of `name`'s percentiles ÷ `base`'s. */
export function medianRatios<N extends string>(
  good: readonly TripRep<N>[],
  name: N,
  base: N,
): { p50: number; p95: number; p99: number } {
  const of = (key: "p50" | "p95" | "p99") =>
    round(
      median(
        good.map((r) => (r as Record<N, Percentiles>)[name][key] / (r as Record<N, Percentiles>)[base][key]),
      ),
    );
  return { p50: of("p50"), p95: of("p95"), p99: of("p99") };
}

/** Each contender's median CPU per round trip over the repetitions. */
export function medianCpu<N extends string>(
  good: readonly TripRep<N>[],
  names: readonly N[],
): Record<N, number> {
  const out = {} as Record<N, number>;
  for (const name of names) out[name] = median(good.map((r) => r.cpuUsPerRoundTrip[name]));
  return out;
}

function roundAll(p: Percentiles): Percentiles {
  return {
    p50: round(p.p50, 3),
    p95: round(p.p95, 3),
    p99: round(p.p99, 3),
    mean: round(p.mean, 3),
    max: round(p.max, 3),
  };
}

/**
 * A baseline's one trip at a time over an echo: `trip` sends and resolves with the time until `answered` sees
 * the same key come back; it rejects after `timeoutMs` (`what` names the trip).
 */
export function echoWaiter(timeoutMs: number) {
  let waiting: { key: unknown; done(): void } | null = null;
  return {
    answered(key: unknown): void {
      if (!waiting || key !== waiting.key) return;
      const w = waiting;
      waiting = null;
      w.done();
    },
    trip(key: unknown, what: string, send: () => void): Promise<number> {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = null;
          reject(new Error(`${what} timed out`));
        }, timeoutMs);
        const t0 = performance.now();
        waiting = {
          key,
          done: () => {
            clearTimeout(timer);
            resolve(performance.now() - t0);
          },
        };
        send();
      });
    },
  };
}
