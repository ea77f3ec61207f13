export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  initial: number;
  /** Cap on any delay (ms). */
  max: number;
  /** 0..1: the share of each delay that is randomised ("full jitter" at 1). Default 0.5. */
  jitter?: number;
}

/**
 * Delay before retry number `attempt` (0-based): `initial * 2^attempt`, capped at `max`, then reduced by up
 * to `jitter` of itself so that many clients do not retry in lockstep. `random` returns [0, 1).
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponential = opts.initial * 2 ** Math.max(0, Math.min(attempt, 52));
  const capped = Math.min(opts.max, exponential);
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  return Math.round(capped * (1 - jitter * random()));
}
