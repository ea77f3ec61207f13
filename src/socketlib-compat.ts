import { SocketManagerError } from "./contract/errors";
import type { HandlerOptions, SocketlibCompatSocket } from "./contract/types";
import type { SocketManager } from "./manager";

type CompatHandler = (this: { socketdata: { userId: string } }, ...args: unknown[]) => unknown;

/**
 * socketlib's calls on top of a channel, for modules migrating from socketlib: same names and semantics,
 * plus timeouts (requests reject instead of hanging), permission-checked transport and metrics. Arguments
 * travel as an array; handlers see the server-stamped sender in `this.socketdata.userId`.
 */
export function createSocketlibCompat(manager: SocketManager, moduleId: string): SocketlibCompatSocket {
  const channel = manager.channel(moduleId);
  const functions = new Map<string, CompatHandler>();
  const me = () => manager.userId;

  const local = async (name: string, args: unknown[]): Promise<unknown> =>
    lookup(name).call({ socketdata: { userId: me() } }, ...args);

  const lookup = (name: string): CompatHandler => {
    const fn = functions.get(name);
    if (!fn)
      throw new SocketManagerError(`no socket handler named "${name}" has been registered`, {
        moduleId,
        event: name,
      });
    return fn;
  };

  const argsOf = (data: unknown): unknown[] => (Array.isArray(data) ? data : []);

  return Object.freeze({
    register(name: string, fn: (...args: never[]) => unknown, opts: HandlerOptions = {}): void {
      if (functions.has(name)) {
        manager.log.warn(`${moduleId}: "${name}" is already registered; ignoring the second registration`);
        return;
      }
      const handler = fn as unknown as CompatHandler;
      functions.set(name, handler);
      const run = (data: unknown, ctx: { senderId: string }) =>
        handler.call({ socketdata: { userId: ctx.senderId } }, ...argsOf(data));
      channel.on(name, run, opts);
      channel.handle(name, run, opts);
    },
    async executeAsGM<R>(name: string, ...args: unknown[]): Promise<R> {
      lookup(name);
      // Like socketlib, a GM runs it here; unlike socketlib, a player's call times out instead of hanging.
      if (manager.env.users.get(me())?.isGM) return (await local(name, args)) as R;
      return channel.request<R>(name, args, { to: "gm" });
    },
    async executeAsUser<R>(name: string, userId: string, ...args: unknown[]): Promise<R> {
      lookup(name);
      if (userId === me()) return (await local(name, args)) as R;
      return channel.request<R>(name, args, { to: userId });
    },
    async executeForEveryone(name: string, ...args: unknown[]): Promise<void> {
      lookup(name);
      await channel.emit(name, args, { to: "all" });
    },
    async executeForOthers(name: string, ...args: unknown[]): Promise<void> {
      lookup(name);
      await channel.emit(name, args, { to: "others" });
    },
    async executeForAllGMs(name: string, ...args: unknown[]): Promise<void> {
      lookup(name);
      await channel.emit(name, args, { to: "gms" });
    },
    async executeForOtherGMs(name: string, ...args: unknown[]): Promise<void> {
      lookup(name);
      const gms = [...manager.env.users].filter((u) => u.isGM && u.active && u.id !== me()).map((u) => u.id);
      if (gms.length > 0) await channel.emit(name, args, { to: gms });
    },
    async executeForUsers(name: string, userIds: string[], ...args: unknown[]): Promise<void> {
      lookup(name);
      if (!Array.isArray(userIds)) throw new TypeError("Recipients parameter must be an array of user ids.");
      // socketlib removes the caller from the array it was given; migrating code may rely on that.
      const selfIndex = userIds.indexOf(me());
      if (selfIndex >= 0) userIds.splice(selfIndex, 1);
      const to = selfIndex >= 0 ? [...userIds, me()] : [...userIds];
      if (to.length > 0) await channel.emit(name, args, { to });
    },
  });
}
