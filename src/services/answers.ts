import { MAX_TIMEOUT_MS } from "./options";

/** Answers a user may still need again: at most this many per user, the oldest forgotten first. */
export const ANSWERS_PER_USER = 4096;
/**
 * How long an answer is kept for a repeat (ms). A repeat comes only while its request is pending, so the
 * requester's timeout bounds it: this covers the default (10 s) and any up to 2 minutes; a request with a longer
 * timeout says so (`w`) and its answer is kept as long.
 */
export const ANSWER_LIFETIME = 120_000;
/**
 * The longest a request may ask its answer to be kept (`w`, its timeout when that is longer than
 * ANSWER_LIFETIME): the longest timeout a request may have.
 */
export const ANSWER_LIFETIME_MAX = MAX_TIMEOUT_MS;
/**
 * Bytes of kept answers (as sent, on the wire) per requester, and over all requesters: an answer that would
 * pass either is kept without its payload, so that a repeat is still recognised and told it is gone.
 */
export const ANSWER_BYTES_PER_USER = 8 * 1024 * 1024;
export const ANSWER_BYTES_TOTAL = 32 * 1024 * 1024;
/**
 * The share of those budgets that answers kept past ANSWER_LIFETIME (for requests that said they may wait long)
 * may take, per requester and in all: the rest is only ever held for ANSWER_LIFETIME, so long waits cannot keep
 * everyone else's repeats from being answered for an hour.
 */
export const LONG_ANSWER_BYTES_PER_USER = 2 * 1024 * 1024;
export const LONG_ANSWER_BYTES_TOTAL = 8 * 1024 * 1024;

/**
 * One request's answer: still running while `kind` is null, until `Answers.answered` fills it in (the same
 * object, so it is looked up once).
 */
export interface Answer {
  kind: "res" | "err" | null;
  /** What was sent, while it is kept. */
  payload: unknown;
  /** The kept payload's reply size, charged to the budgets; 0 while running, and when no payload is kept. */
  bytes: number;
  /** When it was last sent again, for Answering's limit on repeats. */
  resentAt: number;
  /** Let go (expired, or pushed out by newer ones): an answer arriving later is not kept. */
  forgotten: boolean;
  /**
   * Kept at least until then: the request's timeout after it was recorded, when longer than ANSWER_LIFETIME (an
   * answer past ANSWER_LIFETIME is looked at again once per ANSWER_LIFETIME, so it goes within one more of them).
   */
  keepUntil: number;
  /** Kept past ANSWER_LIFETIME (its request said it may wait long): its bytes count against the long budgets too. */
  long: boolean;
}

/** An answer as it was sent: its kind, its payload (the send path's copy), its size on the wire. */
export interface Reply {
  kind: "res" | "err";
  payload: unknown;
  bytes: number;
}

/** The longest session id a frame may carry (src/pipeline/codec.ts), and so a request id's session part. */
const MAX_SESSION_LENGTH = 64;

/**
 * A request's id (`messageId`: its sender's session, a colon, its sequence number) read back into its parts;
 * null when it is not one.
 */
export function parseRequestId(id: string): { session: string; q: number } | null {
  const colon = id.lastIndexOf(":");
  if (colon < 1 || colon > MAX_SESSION_LENGTH) return null;
  const digits = id.slice(colon + 1);
  const q = Number(digits);
  if (!Number.isSafeInteger(q) || q < 1 || String(q) !== digits) return null;
  return { session: id.slice(0, colon), q };
}

/**
 * One requester's answers, by session and sequence number (numbers are far cheaper Map keys than the id
 * strings), with every kept answer's place oldest first, from `head` on, in four lists that stay in step.
 */
interface UserAnswers {
  sessions: Map<string, Map<number, Answer>>;
  head: number;
  maps: Map<number, Answer>[];
  names: string[];
  numbers: number[];
  /** When each was recorded. */
  times: number[];
  /** Bytes of the payloads kept. */
  bytes: number;
  /** The part of them kept for long waits. */
  longBytes: number;
}

/**
 * The requests this client answered, per requester (the server-stamped user) and request (the session and
 * sequence number of its first sending), so that a request sent again after an outage is answered once: a
 * repeat of one still running is ignored, a repeat of one answered gets the same answer again without running
 * the handler twice. Answered ones are kept for ANSWER_LIFETIME, their payloads within the byte budgets.
 */
export class Answers {
  readonly #byUser = new Map<string, UserAnswers>();
  readonly #now: () => number;
  #bytes = 0;
  #longBytes = 0;
  /** No kept answer expires before this: until then a look-up walks nobody's list. */
  #nextExpiry = Infinity;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Bytes of the payloads kept, over all requesters. */
  get bytesHeld(): number {
    return this.#bytes;
  }

  /** The part of bytesHeld kept for requests that may wait long. */
  get longBytesHeld(): number {
    return this.#longBytes;
  }

  /** What is known of this request: undefined the first time. */
  get(user: string, session: string, q: number): Answer | undefined {
    this.#expire();
    return this.#byUser.get(user)?.sessions.get(session)?.get(q);
  }

  /**
   * Records a request as running; returns its answer, for `answered`. `keepMs`: how long the requester may wait
   * (the request's `w`); its answer is kept that long, at least ANSWER_LIFETIME and at most ANSWER_LIFETIME_MAX.
   */
  running(user: string, session: string, q: number, keepMs = 0): Answer {
    const keep = Math.min(Math.max(keepMs, ANSWER_LIFETIME), ANSWER_LIFETIME_MAX);
    const answer: Answer = {
      kind: null,
      payload: undefined,
      bytes: 0,
      resentAt: -Infinity,
      forgotten: false,
      keepUntil: this.#now() + keep,
      long: keep > ANSWER_LIFETIME,
    };
    let answers = this.#byUser.get(user);
    if (!answers) {
      answers = {
        sessions: new Map(),
        head: 0,
        maps: [],
        names: [],
        numbers: [],
        times: [],
        bytes: 0,
        longBytes: 0,
      };
      this.#byUser.set(user, answers);
    }
    const old = answers.sessions.get(session)?.get(q);
    if (old) this.#letGo(answers, old);
    // Room is made before this session's map is looked up: forgetting its only answer drops the map.
    else if (answers.numbers.length - answers.head >= ANSWERS_PER_USER) this.#forgetOldest(answers);
    let map = answers.sessions.get(session);
    if (!map) {
      map = new Map();
      answers.sessions.set(session, map);
    }
    if (!old) this.#append(answers, map, session, q);
    map.set(q, answer);
    return answer;
  }

  /**
   * The request of `answer` was answered with `reply`: a repeat of it gets the same. The payload is kept only if
   * its size fits both budgets (and, for a long wait, both long budgets), checked before it is kept.
   */
  answered(user: string, answer: Answer, reply: Reply): void {
    this.#expire();
    answer.kind = reply.kind;
    const answers = this.#byUser.get(user);
    if (answer.forgotten || !answers) return;
    if (answers.bytes + reply.bytes > ANSWER_BYTES_PER_USER || this.#bytes + reply.bytes > ANSWER_BYTES_TOTAL)
      return;
    if (answer.long) {
      if (
        answers.longBytes + reply.bytes > LONG_ANSWER_BYTES_PER_USER ||
        this.#longBytes + reply.bytes > LONG_ANSWER_BYTES_TOTAL
      )
        return;
      answers.longBytes += reply.bytes;
      this.#longBytes += reply.bytes;
    }
    answer.payload = reply.payload;
    answer.bytes = reply.bytes;
    answers.bytes += reply.bytes;
    this.#bytes += reply.bytes;
  }

  clear(): void {
    this.#byUser.clear();
    this.#bytes = 0;
    this.#longBytes = 0;
    this.#nextExpiry = Infinity;
  }

  /**
   * Forgets the answers recorded ANSWER_LIFETIME ago or more: each user's oldest first, stopping at the first
   * younger one. A request still running, or one whose requester may still be waiting (`keepUntil`), moves to the
   * back instead: a repeat of it must still be ignored or answered. Runs only once the oldest answer of some user
   * may have expired.
   */
  #expire(): void {
    const now = this.#now();
    if (now < this.#nextExpiry) return;
    const before = now - ANSWER_LIFETIME;
    let next = Infinity;
    for (const [user, answers] of this.#byUser) {
      while (answers.head < answers.times.length && (answers.times[answers.head] as number) <= before) {
        const i = answers.head;
        const map = answers.maps[i] as Map<number, Answer>;
        const q = answers.numbers[i] as number;
        const answer = map.get(q);
        const kept = answer !== undefined && (answer.kind === null || answer.keepUntil > now);
        if (!kept) {
          this.#forgetOldest(answers);
          continue;
        }
        this.#append(answers, map, answers.names[i] as string, q);
        this.#advance(answers);
      }
      if (answers.head === answers.times.length) this.#byUser.delete(user);
      else next = Math.min(next, (answers.times[answers.head] as number) + ANSWER_LIFETIME);
    }
    this.#nextExpiry = next;
  }

  #append(answers: UserAnswers, map: Map<number, Answer>, session: string, q: number): void {
    answers.maps.push(map);
    answers.names.push(session);
    answers.numbers.push(q);
    const now = this.#now();
    answers.times.push(now);
    // It may stay earlier than needed (the answer it was for pushed out meanwhile): that costs one walk, no more.
    if (now + ANSWER_LIFETIME < this.#nextExpiry) this.#nextExpiry = now + ANSWER_LIFETIME;
  }

  #forgetOldest(answers: UserAnswers): void {
    const i = answers.head;
    const map = answers.maps[i] as Map<number, Answer>;
    const q = answers.numbers[i] as number;
    const answer = map.get(q);
    if (answer) this.#letGo(answers, answer);
    map.delete(q);
    if (map.size === 0) answers.sessions.delete(answers.names[i] as string);
    this.#advance(answers);
  }

  #letGo(answers: UserAnswers, answer: Answer): void {
    answers.bytes -= answer.bytes;
    this.#bytes -= answer.bytes;
    if (answer.long) {
      answers.longBytes -= answer.bytes;
      this.#longBytes -= answer.bytes;
    }
    answer.bytes = 0;
    answer.payload = undefined;
    answer.forgotten = true;
  }

  #advance(answers: UserAnswers): void {
    answers.head++;
    // The lists are cut down now and then: shifting them one place per answer would cost their length each time.
    if (answers.head >= ANSWERS_PER_USER) {
      answers.maps = answers.maps.slice(answers.head);
      answers.names = answers.names.slice(answers.head);
      answers.numbers = answers.numbers.slice(answers.head);
      answers.times = answers.times.slice(answers.head);
      answers.head = 0;
    }
  }
}
