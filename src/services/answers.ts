/** Answers a user may still need again: at most this many per user, the oldest forgotten first. */
export const ANSWERS_PER_USER = 4096;

/**
 * One request's answer: still running while `kind` is null, until `answered` fills it in (the same object, so
 * it is looked up once).
 */
export interface Answer {
  kind: "res" | "err" | null;
  payload: unknown;
}

/** The request of `answer` was answered: a repeat of it gets this answer again. */
export function answered(answer: Answer, kind: "res" | "err", payload: unknown): void {
  answer.kind = kind;
  answer.payload = payload;
}

/**
 * A request's id (`messageId`: its sender's session, a colon, its sequence number) read back into its parts;
 * null when it is not one.
 */
export function parseRequestId(id: string): { session: string; q: number } | null {
  const colon = id.lastIndexOf(":");
  if (colon < 1) return null;
  const digits = id.slice(colon + 1);
  const q = Number(digits);
  if (!Number.isSafeInteger(q) || q < 1 || String(q) !== digits) return null;
  return { session: id.slice(0, colon), q };
}

/**
 * One requester's answers, by session and sequence number (numbers are far cheaper Map keys than the id
 * strings), with every kept answer's place oldest first, from `head` on, in three lists that stay in step.
 */
interface UserAnswers {
  sessions: Map<string, Map<number, Answer>>;
  head: number;
  maps: Map<number, Answer>[];
  names: string[];
  numbers: number[];
}

/**
 * The requests this client answered, per requester (the server-stamped user) and request (the session and
 * sequence number of its first sending), so that a request sent again after an outage is answered once: a
 * repeat of one still running is ignored, a repeat of one answered gets the same answer again without running
 * the handler twice.
 */
export class Answers {
  readonly #byUser = new Map<string, UserAnswers>();

  /** What is known of this request: undefined the first time. */
  get(user: string, session: string, q: number): Answer | undefined {
    return this.#byUser.get(user)?.sessions.get(session)?.get(q);
  }

  /** Records a request as running; returns its answer, for `answered`. */
  running(user: string, session: string, q: number): Answer {
    const answer: Answer = { kind: null, payload: undefined };
    let answers = this.#byUser.get(user);
    if (!answers) {
      answers = { sessions: new Map(), head: 0, maps: [], names: [], numbers: [] };
      this.#byUser.set(user, answers);
    }
    let map = answers.sessions.get(session);
    if (!map) {
      map = new Map();
      answers.sessions.set(session, map);
    }
    if (!map.has(q)) {
      if (answers.numbers.length - answers.head >= ANSWERS_PER_USER) this.#forgetOldest(answers);
      answers.maps.push(map);
      answers.names.push(session);
      answers.numbers.push(q);
    }
    map.set(q, answer);
    return answer;
  }

  clear(): void {
    this.#byUser.clear();
  }

  #forgetOldest(answers: UserAnswers): void {
    const i = answers.head++;
    const map = answers.maps[i] as Map<number, Answer>;
    map.delete(answers.numbers[i] as number);
    if (map.size === 0) answers.sessions.delete(answers.names[i] as string);
    // The lists are cut down now and then: shifting them one place per answer would cost their length each time.
    if (answers.head >= ANSWERS_PER_USER) {
      answers.maps = answers.maps.slice(answers.head);
      answers.names = answers.names.slice(answers.head);
      answers.numbers = answers.numbers.slice(answers.head);
      answers.head = 0;
    }
  }
}
