import type { EventCounts, MetricsSnapshotData } from "../contract/metrics";
import { Counters } from "./counters";
import { Histogram } from "./histogram";

export type { EventCounts, MetricsSnapshotData };

import { RateWindow } from "./rates";

/** Distinct "moduleId/event" counters kept; the rest share the OTHER_EVENTS bucket. */
export const MAX_EVENT_KEYS = 512;
/** The bucket for events past MAX_EVENT_KEYS, and for messages to channels this client does not use. */
export const OTHER_EVENTS = "(other)";

/** How many recent errors and RTT samples a snapshot carries. */
export const RECENT_ERRORS = 20;
export const RECENT_RTT = 60;

/** Above this one-way latency or RTT a warning is logged (at most once per peer per minute). */
export const HIGH_LATENCY_MS = 1000;
const WARN_EVERY_MS = 60_000;

/** Everything Socket Manager measures, in bounded memory. */
export class Metrics {
  readonly counters = new Counters();
  readonly rtt = new Histogram();
  readonly latency = new Histogram();
  readonly #rateIn: RateWindow;
  readonly #rateOut: RateWindow;
  /** moduleId → event → counts (two levels, so the hot path builds no key strings). */
  readonly #perEvent = new Map<string, Map<string, EventCounts>>();
  #eventKeys = 0;
  /** The last event counted, so a run of one event's messages skips the lookups (fields, not an object: a miss allocates nothing). */
  #lastModule = "";
  #lastEvent = "";
  #lastCounts: EventCounts | null = null;
  readonly #lastWarned = new Map<string, number>();
  readonly #errors: { at: number; message: string }[] = [];

  readonly #now: () => number;
  readonly #monitoring: () => boolean;
  readonly #warn: (message: string) => void;

  constructor(now: () => number, monitoring: () => boolean, warn: (message: string) => void) {
    this.#now = now;
    this.#monitoring = monitoring;
    this.#warn = warn;
    this.#rateIn = new RateWindow(now);
    this.#rateOut = new RateWindow(now);
  }

  sent(moduleId: string, event: string, bytes: number, now?: number): void {
    const e = this.#event(moduleId, event);
    e.sent++;
    e.bytesOut += bytes;
    this.#rateOut.add(1, now);
  }

  received(moduleId: string, event: string, bytes: number, now?: number): void {
    const e = this.#event(moduleId, event);
    e.received++;
    e.bytesIn += bytes;
    this.#rateIn.add(1, now);
  }

  eventCounts(moduleId: string, event: string): EventCounts | undefined {
    return this.#perEvent.get(moduleId)?.get(event);
  }

  recordLatency(userId: string, name: string, ms: number): void {
    if (!this.#monitoring()) return;
    this.latency.record(ms);
    this.#checkHigh(userId, name, ms, "one-way latency");
  }

  recordRtt(userId: string, name: string, ms: number): void {
    if (!this.#monitoring()) return;
    this.rtt.record(ms);
    this.#checkHigh(userId, name, ms, "round trip");
  }

  /** Remembers an error for the status window (bounded). */
  noteError(message: string): void {
    this.#errors.push({ at: this.#now(), message: message.slice(0, 300) });
    if (this.#errors.length > RECENT_ERRORS) this.#errors.shift();
  }

  snapshot(): MetricsSnapshotData {
    const on = this.#monitoring();
    return {
      ...this.counters.snapshot(),
      rttMs: on ? this.rtt.snapshot() : null,
      latencyMs: on ? this.latency.snapshot() : null,
      rate: { in: this.#rateIn.perSecond(), out: this.#rateOut.perSecond() },
      events: Object.fromEntries(
        [...this.#perEvent].flatMap(([moduleId, events]) =>
          [...events].map(([event, counts]) => [`${moduleId}/${event}`, { ...counts }]),
        ),
      ),
      recentRtt: on ? this.rtt.recent(RECENT_RTT) : [],
      recentErrors: this.#errors.map((e) => ({ ...e })),
    };
  }

  #event(moduleId: string, event: string): EventCounts {
    // Messages come in runs of one event: the last one answers without a lookup (entries are never removed).
    if (this.#lastCounts && this.#lastModule === moduleId && this.#lastEvent === event)
      return this.#lastCounts;
    const counts = this.#lookUp(moduleId, event);
    this.#lastModule = moduleId;
    this.#lastEvent = event;
    this.#lastCounts = counts;
    return counts;
  }

  #lookUp(moduleId: string, event: string): EventCounts {
    const known = this.#perEvent.get(moduleId)?.get(event);
    if (known) return known;
    // Bounded: past MAX_EVENT_KEYS distinct events, new ones share one bucket.
    if (this.#eventKeys >= MAX_EVENT_KEYS) {
      moduleId = OTHER_EVENTS;
      event = OTHER_EVENTS;
    }
    let events = this.#perEvent.get(moduleId);
    if (!events) {
      events = new Map();
      this.#perEvent.set(moduleId, events);
    }
    let e = events.get(event);
    if (!e) {
      e = { sent: 0, received: 0, bytesOut: 0, bytesIn: 0 };
      events.set(event, e);
      this.#eventKeys++;
    }
    return e;
  }

  #checkHigh(userId: string, name: string, ms: number, what: string): void {
    if (ms <= HIGH_LATENCY_MS) return;
    const now = this.#now();
    const last = this.#lastWarned.get(userId);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    this.#lastWarned.set(userId, now);
    // The manager's warn callback logs it and records it in recentErrors.
    this.#warn(`high latency: ${what} to ${name} is ${Math.round(ms)} ms`);
  }
}
