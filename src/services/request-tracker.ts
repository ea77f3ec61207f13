import type { Clock } from "../clock";
import {
  NoHandlerError,
  PermissionDeniedError,
  RemoteHandlerError,
  SocketManagerError,
  TimeoutError,
  ValidationError,
} from "../contract/errors";
import type { RequestResult } from "../contract/types";
import type { ResponderOutcome } from "../pipeline/dispatch";
import { type Deadline, Deadlines } from "./deadlines";

export type { ResponderOutcome };

/** A request waiting for answers from one or more users. */
export interface PendingCall {
  /** The id of the request envelope currently out (changes when another GM takes over). */
  id: string;
  readonly channel: string;
  readonly event: string;
  readonly data: unknown;
  /** Addressed to "the GM": another GM takes over if this one leaves. */
  readonly toGM: boolean;
  readonly waiting: Set<string>;
  readonly results: Map<string, RequestResult<unknown>>;
  /** How long (ms) the caller waits in all; Infinity for a call without a timeout. */
  readonly timeout: number;
}

interface Entry extends PendingCall {
  deadline: Deadline<Entry> | null;
  finish(results: Map<string, RequestResult<unknown>>): void;
}

/**
 * Every request in flight, with its timeout. A call settles once each addressed user answered, failed,
 * left, or the timeout struck; so no request can hang.
 */
export class RequestTracker {
  readonly #calls = new Map<string, Entry>();

  readonly #clock: Clock;
  readonly #onFailure: () => void;
  readonly #deadlines: Deadlines<Entry>;

  constructor(clock: Clock, onFailure: () => void) {
    this.#clock = clock;
    this.#onFailure = onFailure;
    this.#deadlines = new Deadlines(clock, (entry) => this.#timedOut(entry));
  }

  get size(): number {
    return this.#calls.size;
  }

  open(spec: Omit<PendingCall, "waiting" | "results"> & { targets: readonly string[] }): {
    call: PendingCall;
    settled: Promise<Map<string, RequestResult<unknown>>>;
  } {
    let finish!: (results: Map<string, RequestResult<unknown>>) => void;
    const settled = new Promise<Map<string, RequestResult<unknown>>>((resolve) => {
      finish = resolve;
    });
    const entry: Entry = {
      id: spec.id,
      channel: spec.channel,
      event: spec.event,
      data: spec.data,
      toGM: spec.toGM,
      waiting: new Set(spec.targets),
      results: new Map(),
      timeout: spec.timeout,
      deadline: null,
      finish,
    };
    if (entry.waiting.size === 0) {
      finish(entry.results);
      return { call: entry, settled };
    }
    this.#calls.set(entry.id, entry);
    // No deadline for a call without a timeout (the socketlib drop-in's default): it still settles when its
    // targets answer, fail or leave.
    if (Number.isFinite(spec.timeout))
      entry.deadline = this.#deadlines.add(entry, this.#clock.now() + spec.timeout);
    return { call: entry, settled };
  }

  get(id: string): PendingCall | undefined {
    return this.#calls.get(id);
  }

  /** Every call in flight. */
  all(): PendingCall[] {
    return [...this.#calls.values()];
  }

  /** Calls still waiting for `userId`. */
  waitingFor(userId: string): PendingCall[] {
    return [...this.#calls.values()].filter((c) => c.waiting.has(userId));
  }

  /** Records one user's result; settles the call when nobody is left. */
  record(call: PendingCall, userId: string, result: RequestResult<unknown>): void {
    if (!call.waiting.delete(userId)) return;
    call.results.set(userId, result);
    if (!result.ok) this.#onFailure();
    if (call.waiting.size === 0) this.#settle(call as Entry);
  }

  failAll(call: PendingCall, error: (userId: string) => Error): void {
    for (const userId of [...call.waiting]) this.record(call, userId, { ok: false, error: error(userId) });
  }

  /** Re-addresses a call from one user to another under a new request id. */
  reassign(call: PendingCall, from: string, to: string, newId: string): void {
    call.waiting.delete(from);
    call.waiting.add(to);
    this.#calls.delete(call.id);
    call.id = newId;
    this.#calls.set(newId, call as Entry);
  }

  /** Fails every call (used on shutdown). */
  failEverything(error: (call: PendingCall, userId: string) => Error): void {
    for (const call of [...this.#calls.values()]) this.failAll(call, (u) => error(call, u));
    this.#deadlines.clear();
  }

  #timedOut(entry: Entry): void {
    entry.deadline = null;
    const missing = [...entry.waiting];
    this.failAll(
      entry,
      () =>
        new TimeoutError(`no answer within ${entry.timeout} ms from ${missing.join(", ")}`, {
          moduleId: entry.channel,
          event: entry.event,
          missing,
        }),
    );
  }

  #settle(entry: Entry): void {
    if (entry.deadline) this.#deadlines.cancel(entry.deadline);
    this.#calls.delete(entry.id);
    entry.finish(entry.results);
  }
}

/**
 * How much of a remote error is kept: its text is another client's, of any size and shape, and goes into an
 * error's message and `issues`, which callers log or show.
 */
export const REMOTE_ERROR_LIMITS = Object.freeze({
  text: 2_000,
  issues: 100,
  issueText: 500,
  pathSegments: 32,
});

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function isPathSegment(s: unknown): s is string | number {
  return (typeof s === "string" && s.length <= 200) || (typeof s === "number" && Number.isFinite(s));
}

/** A remote ValidationError's issues as the contract types them: what is not an issue is left out. */
function remoteIssues(raw: unknown): { message: string; path?: (string | number)[] }[] {
  if (!Array.isArray(raw)) return [];
  const { issues, issueText, pathSegments } = REMOTE_ERROR_LIMITS;
  const out: { message: string; path?: (string | number)[] }[] = [];
  for (let i = 0; i < raw.length && out.length < issues; i++) {
    const { message, path } = (typeof raw[i] === "object" && raw[i] !== null ? raw[i] : {}) as {
      message?: unknown;
      path?: unknown;
    };
    if (typeof message !== "string") continue;
    const issue: { message: string; path?: (string | number)[] } = { message: clip(message, issueText) };
    if (Array.isArray(path) && path.length <= pathSegments && path.every(isPathSegment)) issue.path = path;
    out.push(issue);
  }
  return out;
}

/** Rebuilds the typed error a responder reported (locally or over the wire). */
export function errorFromOutcome(payload: unknown, call: PendingCall, userId: string, who: string): Error {
  const p = (typeof payload === "object" && payload !== null ? payload : {}) as {
    code?: unknown;
    message?: unknown;
    issues?: unknown;
  };
  const message =
    typeof p.message === "string"
      ? clip(p.message, REMOTE_ERROR_LIMITS.text)
      : "the remote client reported an error";
  const details = { moduleId: call.channel, event: call.event, userId };
  switch (p.code) {
    case "NoHandlerError":
      return new NoHandlerError(`${who} has no responder for this event`, details);
    case "PermissionDeniedError":
      return new PermissionDeniedError(`${who} refused: ${message}`, details);
    case "ValidationError":
      return new ValidationError(`${who} refused the payload: ${message}`, {
        ...details,
        issues: remoteIssues(p.issues),
      });
    case "RemoteHandlerError":
      return new RemoteHandlerError(`${who}'s handler failed: ${message}`, {
        ...details,
        remoteMessage: message,
      });
    default:
      return new SocketManagerError(`${who} reported: ${message}`, details);
  }
}
