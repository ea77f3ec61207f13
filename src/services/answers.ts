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

/** One requester's answers, and their ids oldest first (from `head` on). */
interface UserAnswers {
  map: Map<string, Answer>;
  order: string[];
  head: number;
}

/**
 * The requests this client answered, per requester (the server-stamped user) and request id, so that a
 * request sent again after an outage is answered once: a repeat of one still running is ignored, a repeat of
 * one answered gets the same answer again without running the handler twice.
 */
export class Answers {
  readonly #byUser = new Map<string, UserAnswers>();

  /** What is known of this request: undefined the first time. */
  get(user: string, requestId: string): Answer | undefined {
    return this.#byUser.get(user)?.map.get(requestId);
  }

  /** Records a request as running; returns its answer, for `answered`. */
  running(user: string, requestId: string): Answer {
    const answer: Answer = { kind: null, payload: undefined };
    this.#set(user, requestId, answer);
    return answer;
  }

  clear(): void {
    this.#byUser.clear();
  }

  #set(user: string, requestId: string, answer: Answer): void {
    let answers = this.#byUser.get(user);
    if (!answers) {
      answers = { map: new Map(), order: [], head: 0 };
      this.#byUser.set(user, answers);
    }
    const { map } = answers;
    if (!map.has(requestId)) {
      // The oldest id is kept in a queue: finding it as a Map's first key gets slower with every key deleted
      // before it (the Map keeps their places until it is rebuilt).
      if (map.size >= ANSWERS_PER_USER) map.delete(answers.order[answers.head++] as string);
      answers.order.push(requestId);
      if (answers.head >= ANSWERS_PER_USER) {
        answers.order = answers.order.slice(answers.head);
        answers.head = 0;
      }
    }
    map.set(requestId, answer);
  }
}
