import { NoGMError, ValidationError } from "../contract/errors";
import type { Target } from "../contract/types";
import type { FoundryUser, FoundryUsers } from "../foundry/types";

/** Where a message goes: deliver here too?, who to address on the wire (undefined: everyone), who it is for. */
export interface ResolvedTarget {
  self: boolean;
  wire: string[] | undefined;
  recipients: string[];
}

/**
 * Who is in the world right now, seen from this client: users, the designated GM, and the recipients of each
 * emit target. Reads Foundry's users collection at every use (Foundry builds it only just before `setup`,
 * after this may have been created: docs/FOUNDRY.md); keeps nothing but a per-task cache.
 */
export class Roster {
  readonly #usersOf: () => FoundryUsers;
  readonly #meOf: () => string;
  readonly #defer: (fn: () => void) => void;
  #othersCache: string[] | null = null;

  constructor(users: () => FoundryUsers, me: () => string, defer: (fn: () => void) => void) {
    this.#usersOf = users;
    this.#meOf = me;
    this.#defer = defer;
  }

  get #users(): FoundryUsers {
    return this.#usersOf();
  }

  get #me(): string {
    return this.#meOf();
  }

  user(id: string): FoundryUser | undefined {
    return this.#users.get(id);
  }

  /** Every connected user, this client's own user included. */
  active(): FoundryUser[] {
    const out: FoundryUser[] = [];
    for (const u of this.#users) if (u.active || u.id === this.#me) out.push(u);
    return out;
  }

  /**
   * The ids of the other connected users, computed once per task: a loop of emits would otherwise walk the
   * users collection for every message. Presence changes arrive as socket events, i.e. in later tasks.
   */
  otherIds(): string[] {
    if (this.#othersCache) return this.#othersCache;
    const ids: string[] = [];
    for (const u of this.#users) if (u.active && u.id !== this.#me) ids.push(u.id);
    this.#othersCache = ids;
    this.#defer(this.#forgetOthers);
    return ids;
  }

  // Made once: a closure written inside otherIds would cost every call an allocation, cache hits included.
  readonly #forgetOthers = (): void => {
    this.#othersCache = null;
  };

  /** The designated GM, as Foundry picks it (full GM over assistant, then lowest id), minus `exclude`. */
  pickGM(exclude?: string): FoundryUser | null {
    const designated = this.#users.activeGM;
    if (designated && designated.id !== exclude && (designated.active || designated.id === this.#me)) {
      return designated;
    }
    const gms = this.active().filter((u) => u.isGM && u.id !== exclude);
    gms.sort((a, b) => b.role - a.role || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return gms[0] ?? null;
  }

  /** Resolves an emit target; throws NoGMError or ValidationError naming `channel` and `event`. */
  resolve(to: Target, channel: string, event: string): ResolvedTarget {
    const me = this.#me;
    switch (to) {
      case "others":
        return { self: false, wire: undefined, recipients: this.otherIds().slice() };
      case "all":
        return { self: true, wire: undefined, recipients: [me, ...this.otherIds()] };
      case "self":
        return { self: true, wire: [], recipients: [me] };
      case "gm": {
        const gm = this.pickGM();
        if (!gm) throw new NoGMError("no GM is connected", { moduleId: channel, event });
        if (gm.id === me) return { self: true, wire: [], recipients: [me] };
        return { self: false, wire: [gm.id], recipients: [gm.id] };
      }
      case "gms": {
        const gms = this.active()
          .filter((u) => u.isGM)
          .map((u) => u.id);
        return { self: gms.includes(me), wire: gms.filter((id) => id !== me), recipients: gms };
      }
    }
    if (!Array.isArray(to) || to.some((id) => typeof id !== "string")) {
      throw new ValidationError(`"to" must be "others", "all", "self", "gm", "gms" or an array of user ids`, {
        moduleId: channel,
        event,
      });
    }
    const ids = [...new Set(to)];
    return { self: ids.includes(me), wire: ids.filter((id) => id !== me), recipients: ids };
  }
}
