/**
 * State kept per (user, session), where the user is the server-stamped sender and the session is whatever the
 * sender says. A user keeps at most `perUser` sessions, the least recently used forgotten first: sessions a
 * hostile user invents can only push out its own, never another user's.
 */
interface UserSessions<T> {
  /** Least recently used first. */
  readonly byRecency: Map<string, T>;
  /** The session used last, whose place in `byRecency` is already the end (most frames come from it). */
  last: string | null;
  lastState: T | undefined;
}

export class PerUserSessions<T> {
  readonly #users = new Map<string, UserSessions<T>>();
  readonly #perUser: number;
  readonly #create: () => T;
  #size = 0;

  constructor(perUser: number, create: () => T) {
    this.#perUser = perUser;
    this.#create = create;
  }

  /** Every session held, over all users. */
  get size(): number {
    return this.#size;
  }

  /** The state of this session (made on first use), now the user's most recently used. */
  get(user: string, session: string): T {
    let held = this.#users.get(user);
    if (!held) {
      held = { byRecency: new Map(), last: null, lastState: undefined };
      this.#users.set(user, held);
    }
    if (held.last === session) return held.lastState as T;
    const sessions = held.byRecency;
    let entry = sessions.get(session);
    if (entry !== undefined) {
      sessions.delete(session);
    } else {
      if (sessions.size >= this.#perUser) {
        const oldest = sessions.keys().next().value;
        if (oldest !== undefined) {
          sessions.delete(oldest);
          this.#size--;
        }
      }
      entry = this.#create();
      this.#size++;
    }
    sessions.set(session, entry);
    held.last = session;
    held.lastState = entry;
    return entry;
  }

  /** The state of this session if held, without making it or touching its recency. */
  peek(user: string, session: string): T | undefined {
    return this.#users.get(user)?.byRecency.get(session);
  }

  /** Every session of every user. */
  *entries(): IterableIterator<[user: string, session: string, state: T]> {
    for (const [user, { byRecency }] of this.#users)
      for (const [session, state] of byRecency) yield [user, session, state];
  }

  clear(): void {
    this.#users.clear();
    this.#size = 0;
  }
}
