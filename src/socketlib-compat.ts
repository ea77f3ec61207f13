import {
  asSocketlibError,
  SocketlibInvalidUserError,
  SocketlibNoGMConnectedError,
  SocketlibUnregisteredHandlerError,
} from "./contract/socketlib-errors";
import type { HandlerOptions, SocketlibCompatOptions, SocketlibCompatSocket } from "./contract/types";
import type { SocketManager } from "./manager";
import { isPermitted } from "./pipeline/permission";
import { checkTimeout } from "./services/options";

type CompatHandler = (this: { socketdata: { userId: string } }, ...args: unknown[]) => unknown;
/** A handler named by its registered name, or by the function itself (as socketlib allows). */
type HandlerRef = string | ((...args: never[]) => unknown);

/** Arguments travel as JSON, as they do through socketlib: a Date becomes its ISO string, and so on. */
function asJson(args: unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(args)) as unknown[];
}

/**
 * socketlib's calls on top of a channel, for modules migrating from socketlib: the same names and behaviour
 * (handlers by name or by function, JSON arguments, the local handler run synchronously when this client is
 * a recipient, no timeout unless asked for, socketlib's error classes), plus permission and schema checks and
 * metrics. Handlers see the server-stamped sender in `this.socketdata.userId`.
 */
export function createSocketlibCompat(
  manager: SocketManager,
  moduleId: string,
  opts: SocketlibCompatOptions = {},
): SocketlibCompatSocket {
  const channel = manager.channel(moduleId);
  const functions = new Map<string, { fn: CompatHandler; opts: HandlerOptions }>();
  const timeout =
    opts.timeout === undefined ? undefined : checkTimeout(opts.timeout, 0, moduleId, "registerModule");
  const me = () => manager.userId;
  const user = (id: string) => manager.env.users.get(id);

  const resolve = (ref: HandlerRef): [name: string, fn: CompatHandler] => {
    if (typeof ref === "function") {
      for (const [name, entry] of functions) if (entry.fn === (ref as unknown)) return [name, entry.fn];
      throw new SocketlibUnregisteredHandlerError(
        `function "${ref.name}" has not been registered as a socket handler`,
        {
          moduleId,
        },
      );
    }
    const entry = functions.get(ref);
    if (!entry)
      throw new SocketlibUnregisteredHandlerError(`no socket handler named "${ref}" has been registered`, {
        moduleId,
        event: ref,
      });
    return [ref, entry.fn];
  };

  /** Runs this client's own handler now, like socketlib: a throw (or rejection) is logged, never thrown. */
  const runHere = (name: string, fn: CompatHandler, args: unknown[]): void => {
    const self = user(me());
    const permission = functions.get(name)?.opts.permission;
    if (self && !isPermitted(permission, self)) return;
    try {
      const result = fn.call({ socketdata: { userId: me() } }, ...args);
      if (result instanceof Promise)
        result.catch((e: unknown) => manager.log.error(`${moduleId} "${name}" failed:`, e));
    } catch (e) {
      manager.log.error(`${moduleId} "${name}" failed:`, e);
    }
  };

  const ask = async <R>(name: string, args: unknown[], to: string): Promise<R> => {
    try {
      if (timeout === undefined) return await manager.request<R>(moduleId, name, asJson(args), { to }, true);
      return await channel.request<R>(name, asJson(args), { to, timeout });
    } catch (e) {
      throw asSocketlibError(e);
    }
  };

  const tell = async (name: string, args: unknown[], to: "others" | string[]): Promise<void> => {
    if (Array.isArray(to) && to.length === 0) return;
    await channel.emit(name, asJson(args), { to });
  };

  const otherGMs = () =>
    [...manager.env.users].filter((u) => u.isGM && u.active && u.id !== me()).map((u) => u.id);

  return Object.freeze({
    register(name: string, fn: (...args: never[]) => unknown, handlerOpts: HandlerOptions = {}): void {
      if (typeof fn !== "function") {
        manager.log.error(`${moduleId}: cannot register a non-function as socket handler "${name}"`);
        return;
      }
      if (functions.has(name)) {
        manager.log.warn(`${moduleId}: "${name}" is already registered; ignoring the second registration`);
        return;
      }
      const handler = fn as unknown as CompatHandler;
      functions.set(name, { fn: handler, opts: handlerOpts });
      const run = (data: unknown, ctx: { senderId: string }) =>
        handler.call({ socketdata: { userId: ctx.senderId } }, ...(Array.isArray(data) ? data : []));
      channel.on(name, run, handlerOpts);
      channel.handle(name, run, handlerOpts);
    },
    async executeAsGM<R>(ref: HandlerRef, ...args: unknown[]): Promise<R> {
      const [name, fn] = resolve(ref);
      // Like socketlib, a GM runs it here.
      if (user(me())?.isGM) return (await fn.call({ socketdata: { userId: me() } }, ...args)) as R;
      if (!manager.env.users.activeGM && ![...manager.env.users].some((u) => u.isGM && u.active)) {
        throw new SocketlibNoGMConnectedError(
          `could not execute "${name}" as GM, because no GM is connected`,
          {
            moduleId,
            event: name,
          },
        );
      }
      return ask<R>(name, args, "gm");
    },
    async executeAsUser<R>(ref: HandlerRef, userId: string, ...args: unknown[]): Promise<R> {
      const [name, fn] = resolve(ref);
      if (userId === me()) return (await fn.call({ socketdata: { userId: me() } }, ...args)) as R;
      const target = user(userId);
      if (!target)
        throw new SocketlibInvalidUserError(`no user with id "${userId}" exists`, { moduleId, event: name });
      if (!target.active)
        throw new SocketlibInvalidUserError(`user "${target.name}" (${userId}) is not connected`, {
          moduleId,
          event: name,
          userId,
        });
      return ask<R>(name, args, userId);
    },
    async executeForEveryone(ref: HandlerRef, ...args: unknown[]): Promise<void> {
      const [name, fn] = resolve(ref);
      const sent = tell(name, args, "others");
      runHere(name, fn, args);
      await sent;
    },
    async executeForOthers(ref: HandlerRef, ...args: unknown[]): Promise<void> {
      const [name] = resolve(ref);
      await tell(name, args, "others");
    },
    async executeForAllGMs(ref: HandlerRef, ...args: unknown[]): Promise<void> {
      const [name, fn] = resolve(ref);
      const sent = tell(name, args, otherGMs());
      if (user(me())?.isGM) runHere(name, fn, args);
      await sent;
    },
    async executeForOtherGMs(ref: HandlerRef, ...args: unknown[]): Promise<void> {
      const [name] = resolve(ref);
      await tell(name, args, otherGMs());
    },
    async executeForUsers(ref: HandlerRef, userIds: string[], ...args: unknown[]): Promise<void> {
      if (!Array.isArray(userIds)) throw new TypeError("Recipients parameter must be an array of user ids.");
      const [name, fn] = resolve(ref);
      // socketlib removes the caller from the array it was given; migrating code may rely on that.
      const selfIndex = userIds.indexOf(me());
      if (selfIndex >= 0) userIds.splice(selfIndex, 1);
      const sent = tell(name, args, [...userIds]);
      if (selfIndex >= 0) runHere(name, fn, args);
      await sent;
    },
  });
}
