import { type FoundryUser, UserRole } from "../foundry/types";

/** Who may trigger a handler: a minimum role, or a predicate over the server-stamped sender. */
export type Permission = "player" | "trusted" | "assistant" | "gm" | ((sender: FoundryUser) => boolean);

const MIN_ROLE = {
  player: UserRole.PLAYER,
  trusted: UserRole.TRUSTED,
  assistant: UserRole.ASSISTANT,
  gm: UserRole.GAMEMASTER,
} as const;

export function isPermission(value: unknown): value is Permission {
  return typeof value === "function" || (typeof value === "string" && Object.hasOwn(MIN_ROLE, value));
}

/** A predicate that throws counts as a refusal. */
export function isPermitted(permission: Permission | undefined, sender: FoundryUser): boolean {
  if (permission === undefined) return true;
  if (typeof permission === "function") {
    try {
      return permission(sender) === true;
    } catch {
      return false;
    }
  }
  return sender.role >= MIN_ROLE[permission];
}
