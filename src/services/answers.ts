/** Answers a user may still need again: at most this many per user, the oldest forgotten first. */
export const ANSWERS_PER_USER = 4096;

type Answer = { state: "running" } | { state: "done"; kind: "res" | "err"; payload: unknown };

/**
 * The requests this client answered, per requester (the server-stamped user) and request id, so that a
 * request sent again after an outage is answered once: a repeat of one still running is ignored, a repeat of
 * one answered gets the same answer again without running the handler twice.
 */
export class Answers {
  readonly #byUser = new Map<string, Map<string, Answer>>();

  /** What is known of this request: undefined the first time. */
  get(user: string, requestId: string): Answer | undefined {
    return this.#byUser.get(user)?.get(requestId);
  }

  running(user: string, requestId: string): void {
    this.#set(user, requestId, { state: "running" });
  }

  done(user: string, requestId: string, kind: "res" | "err", payload: unknown): void {
    this.#set(user, requestId, { state: "done", kind, payload });
  }

  clear(): void {
    this.#byUser.clear();
  }

  #set(user: string, requestId: string, answer: Answer): void {
    let answers = this.#byUser.get(user);
    if (!answers) {
      answers = new Map();
      this.#byUser.set(user, answers);
    }
    if (!answers.has(requestId) && answers.size >= ANSWERS_PER_USER) {
      const oldest = answers.keys().next().value;
      if (oldest !== undefined) answers.delete(oldest);
    }
    answers.set(requestId, answer);
  }
}
