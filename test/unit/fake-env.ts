/** A FoundryEnv for unit tests: a live users collection over a list, this user's id, an optional socket. */
import type {
  FoundryEnv,
  FoundrySocket,
  FoundryUser,
  FoundryUsers,
  NotifyLevel,
} from "../../src/foundry/types";
import { createHooks } from "../harness/hooks";

/** A users collection over `list`, read live (the list may change); activeGM as Foundry picks it. */
export function usersOf(list: FoundryUser[]): FoundryUsers {
  return {
    get: (id) => list.find((u) => u.id === id),
    [Symbol.iterator]: () => list[Symbol.iterator](),
    get activeGM() {
      return list.filter((u) => u.isGM && u.active).sort((a, b) => b.role - a.role)[0] ?? null;
    },
  };
}

export interface FakeEnvOptions {
  me: string;
  users: FoundryUser[];
  socket?: FoundrySocket | null;
  notify?: (level: NotifyLevel, message: string) => void;
  localize?: FoundryEnv["localize"];
}

export function fakeEnv(opts: FakeEnvOptions): FoundryEnv {
  return {
    userId: opts.me,
    users: usersOf(opts.users),
    socket: opts.socket ?? null,
    hooks: createHooks(),
    socketlib: { active: false, socket: null },
    notify: opts.notify ?? (() => {}),
    localize: opts.localize ?? ((key) => key),
  };
}
