/**
 * socketlib's calls on top of a channel, for modules migrating from socketlib: the same names and behaviour
 * (handlers by name or by function, JSON arguments, the local handler run synchronously when this client is
 * a recipient, no timeout unless asked for, socketlib's error classes), plus permission and schema checks and
 * metrics. Handlers see the server-stamped sender in `this.socketdata.userId`.
 *
 * What must happen during the call stays here: `register` (a message may arrive right after), finding the
 * handler, running this client's own, taking the arguments as JSON. What goes over the wire arrives with a
 * chunk on first use (./socketlib/remote.ts); until then the call's promise waits for it.
 */
import { errorMessage } from "./contract/errors";
import type { HandlerOptions, SocketlibCompatOptions, SocketlibCompatSocket } from "./contract/types";
import type { SocketManager } from "./manager";
import { isPermitted } from "./pipeline/permission";
import { type Chunk, chunk, OnDemand } from "./services/on-demand";
import { checkTimeout } from "./services/options";
import type { Args, createRemote, Remote } from "./socketlib/remote";

type CompatHandler = (this: { socketdata: { userId: string } }, ...args: unknown[]) => unknown;
/** A handler named by its registered name, or by the function itself (as socketlib allows). */
type HandlerRef = string | ((...args: never[]) => unknown);
type Found = [name: string, fn: CompatHandler];

export type SocketlibChunk = Chunk<{ createRemote: typeof createRemote }>;

export const socketlibChunk: SocketlibChunk = chunk(() => import("./socketlib/remote"));

/** Arguments travel as JSON, as they do through socketlib: a Date becomes its ISO string, and so on. */
function asJson(args: unknown[]): Args {
  try {
    const json = JSON.parse(JSON.stringify(args)) as unknown[];
    return () => json;
  } catch (e) {
    return () => {
      throw e;
    };
  }
}

export function createSocketlibCompat(
  manager: SocketManager,
  moduleId: string,
  opts: SocketlibCompatOptions = {},
  source: SocketlibChunk = socketlibChunk,
): SocketlibCompatSocket {
  const channel = manager.channel(moduleId);
  const functions = new Map<string, { fn: CompatHandler; opts: HandlerOptions }>();
  const timeout =
    opts.timeout === undefined ? undefined : checkTimeout(opts.timeout, 0, moduleId, "registerModule");
  const remote = new OnDemand(source, (m) => m.createRemote(manager, moduleId, timeout), manager.clock);
  const me = () => manager.userId;
  const isGM = () => manager.env.users.get(me())?.isGM === true;

  const find = (ref: HandlerRef): Found | undefined => {
    if (typeof ref !== "function") {
      const entry = functions.get(ref);
      return entry && [ref, entry.fn];
    }
    for (const [name, entry] of functions) if (entry.fn === (ref as unknown)) return [name, entry.fn];
  };

  /** Sends now when the chunk is loaded, else once it is; an unknown handler rejects as socketlib's does. */
  const send = <T>(
    found: Found | undefined,
    ref: HandlerRef,
    fn: (r: Remote, name: string) => Promise<T>,
  ) => {
    const go = (r: Remote): Promise<T> => (found ? fn(r, found[0]) : r.missing(ref));
    const r = remote.now();
    return r ? go(r) : remote.get().then(go);
  };

  const run = ([, fn]: Found, args: unknown[]) => fn.call({ socketdata: { userId: me() } }, ...args);

  /** Runs this client's own handler now, like socketlib: a throw (or rejection) is logged, never thrown. */
  const runHere = (found: Found, args: unknown[]): void => {
    const self = manager.env.users.get(me());
    const log = (e: unknown) => manager.log.error(`${moduleId} "${found[0]}" failed:`, e);
    if (self && !isPermitted(functions.get(found[0])?.opts.permission, self)) return;
    try {
      const result = run(found, args);
      if (result instanceof Promise) result.catch(log);
    } catch (e) {
      log(e);
    }
  };

  /** Like socketlib, runs the handler here when this client is the one asked (a GM asking as GM). */
  const ask = async <R>(
    ref: HandlerRef,
    args: unknown[],
    here: boolean,
    fn: (r: Remote, name: string, json: Args) => Promise<R>,
  ): Promise<R> => {
    const found = find(ref);
    if (found && here) return (await run(found, args)) as R;
    const json = asJson(args);
    return send(found, ref, (r, name) => fn(r, name, json));
  };

  /** Sends to `to` and runs this client's handler too when `here`, as socketlib does. */
  const tell = async (ref: HandlerRef, args: unknown[], to: "others" | "gms" | string[], here: boolean) => {
    const found = find(ref);
    const json = asJson(args);
    const sent = send(found, ref, (r, name) => r.tell(name, json, to));
    if (found && here) runHere(found, args);
    await sent;
  };

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
      const onMessage = (data: unknown, ctx: { senderId: string }) =>
        handler.call({ socketdata: { userId: ctx.senderId } }, ...(Array.isArray(data) ? data : []));
      // socketlib never throws here: a name Socket Manager cannot carry (over 64 characters, or starting with
      // "$") is logged and left unregistered, not half-registered (callable here, unknown on the wire).
      let off: (() => void) | undefined;
      try {
        off = channel.on(name, onMessage, handlerOpts);
        channel.handle(name, onMessage, handlerOpts);
      } catch (e) {
        off?.();
        manager.log.error(`${moduleId}: cannot register socket handler "${name}": ${errorMessage(e)}`);
        return;
      }
      functions.set(name, { fn: handler, opts: handlerOpts });
    },
    executeAsGM: <R>(ref: HandlerRef, ...args: unknown[]) =>
      ask<R>(ref, args, isGM(), (r, name, json) => r.asGM<R>(name, json)),
    executeAsUser: <R>(ref: HandlerRef, userId: string, ...args: unknown[]) =>
      ask<R>(ref, args, userId === me(), (r, name, json) => r.asUser<R>(name, userId, json)),
    executeForEveryone: (ref: HandlerRef, ...args: unknown[]) => tell(ref, args, "others", true),
    executeForOthers: (ref: HandlerRef, ...args: unknown[]) => tell(ref, args, "others", false),
    executeForAllGMs: (ref: HandlerRef, ...args: unknown[]) => tell(ref, args, "gms", isGM()),
    executeForOtherGMs: (ref: HandlerRef, ...args: unknown[]) => tell(ref, args, "gms", false),
    async executeForUsers(ref: HandlerRef, userIds: string[], ...args: unknown[]): Promise<void> {
      if (!Array.isArray(userIds)) throw new TypeError("Recipients parameter must be an array of user ids.");
      // socketlib removes the caller from the array it was given; migrating code may rely on that.
      const selfIndex = find(ref) ? userIds.indexOf(me()) : -1;
      if (selfIndex >= 0) userIds.splice(selfIndex, 1);
      // Runs here once, however many times the caller is listed (socketlib's socket never echoes to its sender).
      await tell(
        ref,
        args,
        userIds.filter((id) => id !== me()),
        selfIndex >= 0,
      );
    },
  });
}
