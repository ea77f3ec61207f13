import type { FoundryUser, Permission } from "../contract/types";
import { UserRole } from "../foundry/types";

export type { Permission };

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
