/**
 * What a socketlib-compatible socket sends (src/socketlib-compat.ts), in a chunk loaded on first use: requests
 * and emits, the checks socketlib makes before them, and socketlib's error names for what fails.
 */
import {
  type ErrorDetails,
  NoGMError,
  NoHandlerError,
  RemoteHandlerError,
  SocketManagerError,
  TimeoutError,
  UserOfflineError,
} from "../contract/errors";
import {
  SocketlibError,
  SocketlibInvalidUserError,
  SocketlibNoGMConnectedError,
  SocketlibRemoteException,
  SocketlibTimeoutError,
  SocketlibUnregisteredHandlerError,
} from "../contract/socketlib-errors";
import type { SocketlibHandlerRef } from "../contract/types";
import type { SocketManager } from "../manager";

/** The arguments as JSON, taken when the call was made; reading them throws what serialising threw. */
export type Args = () => unknown[];

export interface Remote {
  asGM<R>(name: string, args: Args): Promise<R>;
  asUser<R>(name: string, userId: string, args: Args): Promise<R>;
  /** `"gms"`: every other active GM, as they are when the call is sent. */
  tell(name: string, args: Args, to: "others" | "gms" | string[]): Promise<void>;
  /** Rejects as socketlib does for a handler that was never registered. */
  missing(ref: SocketlibHandlerRef): Promise<never>;
}

/** The socketlib-named twin of an error from a request, or the error itself when it has none. */
export function asSocketlibError(error: unknown): unknown {
  if (!(error instanceof SocketManagerError) || error instanceof SocketlibError) return error;
  const details: ErrorDetails = {
    moduleId: error.moduleId,
    event: error.event,
    userId: error.userId,
    cause: error,
  };
  // The message already carries the "Socket Manager | module "event": " prefix: keep the rest only.
  const message = error.message.replace(/^Socket Manager \| [^:]*: /, "");
  if (error instanceof TimeoutError)
    return new SocketlibTimeoutError(message, Object.assign({ missing: error.missing }, details));
  if (error instanceof NoGMError) return new SocketlibNoGMConnectedError(message, details);
  if (error instanceof UserOfflineError) return new SocketlibInvalidUserError(message, details);
  if (error instanceof RemoteHandlerError)
    return new SocketlibRemoteException(
      message,
      Object.assign({ remoteMessage: error.remoteMessage }, details),
    );
  if (error instanceof NoHandlerError) return new SocketlibUnregisteredHandlerError(message, details);
  return error;
}

export function createRemote(manager: SocketManager, moduleId: string, timeout: number | undefined): Remote {
  const channel = manager.channel(moduleId);
  // Read at each call: game.users appears only at setup.
  const users = () => manager.env.users;

  const ask = async <R>(name: string, args: Args, to: string): Promise<R> => {
    try {
      if (timeout === undefined) return await manager.request<R>(moduleId, name, args(), { to }, true);
      return await channel.request<R>(name, args(), { to, timeout });
    } catch (e) {
      throw asSocketlibError(e);
    }
  };

  return {
    async asGM(name, args) {
      if (!users().activeGM && ![...users()].some((u) => u.isGM && u.active))
        throw new SocketlibNoGMConnectedError(
          `could not execute "${name}" as GM, because no GM is connected`,
          { moduleId, event: name },
        );
      return ask(name, args, "gm");
    },
    async asUser(name, userId, args) {
      const target = users().get(userId);
      if (!target)
        throw new SocketlibInvalidUserError(`no user with id "${userId}" exists`, { moduleId, event: name });
      if (!target.active)
        throw new SocketlibInvalidUserError(`user "${target.name}" (${userId}) is not connected`, {
          moduleId,
          event: name,
          userId,
        });
      return ask(name, args, userId);
    },
    async tell(name, args, to) {
      const recipients =
        to === "gms"
          ? [...users()].filter((u) => u.isGM && u.active && u.id !== manager.userId).map((u) => u.id)
          : to;
      if (Array.isArray(recipients) && recipients.length === 0) return;
      await channel.emit(name, args(), { to: recipients });
    },
    async missing(ref) {
      if (typeof ref === "function")
        throw new SocketlibUnregisteredHandlerError(
          `function "${ref.name}" has not been registered as a socket handler`,
          { moduleId },
        );
      throw new SocketlibUnregisteredHandlerError(`no socket handler named "${ref}" has been registered`, {
        moduleId,
        event: ref,
      });
    },
  };
}
